#include "engine/gateway/metrics/gatewaymetrics.h"

#include "engine/core/logging.h"
#include "engine/gateway/metrics/exposition.h"

#include <QMutex>
#include <QMutexLocker>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <unordered_map>
#include <vector>

namespace signalbox::engine {

using namespace exposition;

namespace {

// Shards: a thread keeps the shard it was given on its first observation, so
// with up to kShards workers no two ever share a lock. Render merges them.
constexpr int kShards = 16;
constexpr int kMaxGauges = 64;

// Histogram bounds in whole microseconds, so sums and bounds stay exact.
// Request duration and TTFT: an LLM call takes from milliseconds (a cached or
// refused answer) to minutes (a long reasoning stream).
constexpr std::array<qint64, 16> kLatencyBoundsUs { 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000,
    2'500'000, 5'000'000, 10'000'000, 20'000'000, 30'000'000, 60'000'000, 120'000'000, 300'000'000 };
// Gateway overhead: what we add on top of the upstream, 10 us .. 100 ms.
constexpr std::array<qint64, 13> kOverheadBoundsUs { 10, 25, 50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000,
    50'000, 100'000 };

// requests_total's two small, fixed label dimensions.
constexpr std::array<const char *, 6> kStatusClasses { "1xx", "2xx", "3xx", "4xx", "5xx", "none" };
constexpr std::array<const char *, 7> kOutcomes { "ok", "upstream_error", "gateway_error", "client_error", "cancelled",
    "timeout", "other" };
constexpr std::array<const char *, 4> kTokenKinds { "prompt", "completion", "cached", "reasoning" };

int statusClassIndex(int status)
{
    const int hundreds = status / 100;
    return hundreds >= 1 && hundreds <= 5 ? hundreds - 1 : 5;
}

int outcomeIndex(QByteArrayView outcome)
{
    for (int i = 0; i < int(kOutcomes.size()) - 1; ++i) {
        if (outcome == QByteArrayView(kOutcomes[i]))
            return i;
    }
    return int(kOutcomes.size()) - 1;
}

template <std::size_t N> struct Histogram {
    std::array<quint64, N + 1> counts {}; // per bucket, not cumulative; the last is +Inf
    qint64 sumUs = 0;

    void add(qint64 us, const std::array<qint64, N> &bounds)
    {
        us = std::max<qint64>(us, 0);
        const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), us) - bounds.begin(); // first bound >= us
        ++counts[std::size_t(bucket)];
        sumUs += us;
    }
    void merge(const Histogram &other)
    {
        for (std::size_t i = 0; i < counts.size(); ++i)
            counts[i] += other.counts[i];
        sumUs += other.sumUs;
    }
    quint64 count() const
    {
        quint64 total = 0;
        for (quint64 c : counts)
            total += c;
        return total;
    }
};

using LatencyHistogram = Histogram<kLatencyBoundsUs.size()>;
using OverheadHistogram = Histogram<kOverheadBoundsUs.size()>;

struct SeriesData {
    std::array<quint64, kStatusClasses.size() * kOutcomes.size()> requests {};
    LatencyHistogram duration;
    LatencyHistogram ttft;
    std::array<qint64, kTokenKinds.size()> tokens {};
    Money spend; // exact: sums of Money never round
    quint64 unpriced = 0;

    void merge(const SeriesData &other)
    {
        for (std::size_t i = 0; i < requests.size(); ++i)
            requests[i] += other.requests[i];
        duration.merge(other.duration);
        ttft.merge(other.ttft);
        for (std::size_t i = 0; i < tokens.size(); ++i)
            tokens[i] += other.tokens[i];
        spend += other.spend;
        unpriced += other.unpriced;
    }
};

struct LabelPair {
    QByteArray first;
    QByteArray second;
    bool operator==(const LabelPair &) const = default;
    bool operator<(const LabelPair &other) const
    {
        return first != other.first ? first < other.first : second < other.second;
    }
};

// Maps keyed by LabelPair are searched with a LabelView, so a lookup on the
// hot path copies nothing (not even a reference count shared with the caller).
struct LabelView {
    QByteArrayView first;
    QByteArrayView second;
};

struct LabelHash {
    using is_transparent = void;
    size_t operator()(const LabelView &v) const { return qHashMulti(QHashSeed::globalSeed(), v.first, v.second); }
    size_t operator()(const LabelPair &p) const { return (*this)(LabelView { p.first, p.second }); }
};

struct LabelEqual {
    using is_transparent = void;
    static LabelView view(const LabelPair &p) { return LabelView { p.first, p.second }; }
    static LabelView view(const LabelView &v) { return v; }
    template <typename A, typename B> bool operator()(const A &a, const B &b) const
    {
        return view(a).first == view(b).first && view(a).second == view(b).second;
    }
};

template <typename T> using LabelMap = std::unordered_map<LabelPair, T, LabelHash, LabelEqual>;

constexpr QByteArrayView kPrefix = "signalbox_";
constexpr std::array<QByteArrayView, 9> kOwnFamilies { "requests_total", "request_duration_seconds", "ttft_seconds",
    "gateway_overhead_seconds", "tokens_total", "spend_usd_total", "unpriced_requests_total", "upstream_attempts_total",
    "metrics_series_overflow_total" };

// A bounded interning table: label pair -> id. Id 0 is ("other", "other"),
// where everything beyond `max` pairs goes. Once full it never changes again,
// and is then read without the lock.
class BoundedLabels {
public:
    struct Interned {
        int id = 0;
        bool overflow = false;
    };

    explicit BoundedLabels(int max)
        : m_max(max)
    {
        m_pairs.push_back(LabelPair { QByteArrayLiteral("other"), QByteArrayLiteral("other") });
        m_ids.emplace(m_pairs.front(), 0);
    }

    Interned intern(const LabelView &pair)
    {
        if (m_full.load(std::memory_order_acquire))
            return find(pair);
        QMutexLocker lock(&m_mutex);
        if (const auto it = m_ids.find(pair); it != m_ids.end())
            return Interned { it->second, false };
        if (int(m_pairs.size()) - 1 >= m_max)
            return Interned { 0, true };
        const int id = int(m_pairs.size());
        m_pairs.push_back(LabelPair { pair.first.toByteArray(), pair.second.toByteArray() });
        m_ids.emplace(m_pairs.back(), id);
        if (int(m_pairs.size()) - 1 >= m_max)
            m_full.store(true, std::memory_order_release);
        return Interned { id, false };
    }

    std::vector<LabelPair> pairs() const
    {
        QMutexLocker lock(&m_mutex);
        return m_pairs;
    }

private:
    Interned find(const LabelView &pair) const
    {
        const auto it = m_ids.find(pair);
        return it != m_ids.end() ? Interned { it->second, false } : Interned { 0, true };
    }

    const int m_max;
    mutable QMutex m_mutex;
    LabelMap<int> m_ids;
    std::vector<LabelPair> m_pairs;
    std::atomic<bool> m_full { false };
};

struct alignas(64) Shard {
    mutable QMutex mutex;
    // Caches of BoundedLabels ids (admitted pairs only, so bounded too).
    LabelMap<int> seriesIds;
    LabelMap<int> attemptIds;
    std::vector<std::unique_ptr<SeriesData>> series; // by series id
    std::vector<quint64> attempts; // by attempt id
    OverheadHistogram overhead;
    quint64 overflow = 0;
};

unsigned threadSlot()
{
    static std::atomic<unsigned> next { 0 };
    thread_local const unsigned slot = next.fetch_add(1, std::memory_order_relaxed);
    return slot;
}

struct Gauge {
    QByteArray help;
    double value = 0;
    std::function<double()> read;
};

void appendFamilyHeader(QByteArray &out, QByteArrayView name, QByteArrayView help, QByteArrayView type)
{
    out += "# HELP " + name.toByteArray() + ' ' + escapedHelp(help) + '\n';
    out += "# TYPE " + name.toByteArray() + ' ' + type.toByteArray() + '\n';
}

// `{first="…",second="…"` without the closing brace, so callers can add labels.
QByteArray openLabels(
    QByteArrayView firstName, const QByteArray &first, QByteArrayView secondName, const QByteArray &second)
{
    QByteArray out = '{' + firstName.toByteArray() + "=\"";
    appendEscaped(out, first);
    out += "\"," + secondName.toByteArray() + "=\"";
    appendEscaped(out, second);
    out += '"';
    return out;
}

template <std::size_t N>
void appendHistogram(QByteArray &out, QByteArrayView name, const QByteArray &labels, const Histogram<N> &histogram,
    const std::array<qint64, N> &bounds)
{
    const QByteArray separator = labels.isEmpty() ? QByteArray("{") : QByteArray(labels + ',');
    const QByteArray close = labels.isEmpty() ? QByteArray() : QByteArray(labels + '}');
    const QByteArray family = name.toByteArray();
    quint64 cumulative = 0;
    for (std::size_t i = 0; i <= N; ++i) {
        cumulative += histogram.counts[i];
        const QByteArray le = i < N ? seconds(bounds[i]) : QByteArray("+Inf");
        out += family + "_bucket" + separator + "le=\"" + le + "\"} " + QByteArray::number(cumulative) + '\n';
    }
    out += family + "_sum" + close + ' ' + seconds(histogram.sumUs) + '\n';
    out += family + "_count" + close + ' ' + QByteArray::number(cumulative) + '\n';
}

} // namespace

struct GatewayMetrics::Private {
    explicit Private(int max)
        : maxSeries(max)
        , series(max)
        , attempts(max)
    {
    }

    Shard &shard() { return shards[threadSlot() % kShards]; }

    const int maxSeries;
    BoundedLabels series; // (provider, model)
    BoundedLabels attempts; // (provider, outcome)
    std::array<Shard, kShards> shards;

    mutable QMutex gaugeMutex;
    std::map<QByteArray, Gauge> gauges; // by full name, rendered in name order

    void putGauge(QByteArrayView name, QByteArrayView help, Gauge gauge)
    {
        const QByteArray fullName
            = name.startsWith(kPrefix) ? name.toByteArray() : QByteArray(kPrefix.toByteArray() + name.toByteArray());
        const QByteArrayView bare = QByteArrayView(fullName).sliced(kPrefix.size());
        const bool own = std::find(kOwnFamilies.begin(), kOwnFamilies.end(), bare) != kOwnFamilies.end();
        if (!isValidMetricName(fullName) || own) {
            qCWarning(lcGateway) << "Ignored a gauge with an invalid or reserved name:" << fullName;
            return;
        }
        gauge.help = help.toByteArray();
        QMutexLocker lock(&gaugeMutex);
        if (gauges.find(fullName) == gauges.end() && int(gauges.size()) >= kMaxGauges) {
            qCWarning(lcGateway) << "Ignored gauge" << fullName << "beyond the limit of" << kMaxGauges;
            return;
        }
        gauges[fullName] = std::move(gauge);
    }
};

GatewayMetrics::GatewayMetrics(int maxSeries)
    : d(std::make_unique<Private>(std::max(maxSeries, 1)))
{
}

GatewayMetrics::~GatewayMetrics() = default;

int GatewayMetrics::maxSeries() const
{
    return d->maxSeries;
}

void GatewayMetrics::observe(const RequestObservation &o)
{
    // Client-supplied names are checked, and copied only when they need cleaning.
    QByteArray cleanProvider;
    QByteArray cleanModel;
    LabelView labels { o.provider, o.model };
    if (!isCleanLabelValue(labels.first))
        labels.first = cleanProvider = cleanedLabelValue(labels.first);
    if (!isCleanLabelValue(labels.second))
        labels.second = cleanModel = cleanedLabelValue(labels.second);

    Shard &shard = d->shard();
    QMutexLocker lock(&shard.mutex);
    int id = 0;
    if (const auto it = shard.seriesIds.find(labels); it != shard.seriesIds.end()) {
        id = it->second;
    } else {
        const auto interned = d->series.intern(labels);
        id = interned.id;
        if (interned.overflow)
            ++shard.overflow;
        else
            shard.seriesIds.emplace(LabelPair { labels.first.toByteArray(), labels.second.toByteArray() }, id);
    }
    if (shard.series.size() <= std::size_t(id))
        shard.series.resize(std::size_t(id) + 1);
    auto &slot = shard.series[std::size_t(id)];
    if (!slot)
        slot = std::make_unique<SeriesData>();
    SeriesData &s = *slot;

    ++s.requests[std::size_t(statusClassIndex(o.httpStatus)) * kOutcomes.size() + std::size_t(outcomeIndex(o.outcome))];
    s.duration.add(o.latencyUs, kLatencyBoundsUs);
    if (o.ttftUs)
        s.ttft.add(*o.ttftUs, kLatencyBoundsUs);
    s.tokens[0] += std::max<qint64>(o.promptTokens, 0);
    s.tokens[1] += std::max<qint64>(o.completionTokens, 0);
    s.tokens[2] += std::max<qint64>(o.cachedTokens, 0);
    s.tokens[3] += std::max<qint64>(o.reasoningTokens, 0);
    if (o.cost)
        s.spend += *o.cost;
    else
        ++s.unpriced;
    shard.overhead.add(o.overheadUs, kOverheadBoundsUs);
}

void GatewayMetrics::upstreamAttempt(QByteArrayView provider, QByteArrayView outcome)
{
    QByteArray cleanProvider;
    LabelView labels { provider, kOutcomes[std::size_t(outcomeIndex(outcome))] };
    if (!isCleanLabelValue(labels.first))
        labels.first = cleanProvider = cleanedLabelValue(labels.first);

    Shard &shard = d->shard();
    QMutexLocker lock(&shard.mutex);
    int id = 0;
    if (const auto it = shard.attemptIds.find(labels); it != shard.attemptIds.end()) {
        id = it->second;
    } else {
        const auto interned = d->attempts.intern(labels);
        id = interned.id;
        if (interned.overflow)
            ++shard.overflow;
        else
            shard.attemptIds.emplace(LabelPair { labels.first.toByteArray(), labels.second.toByteArray() }, id);
    }
    if (shard.attempts.size() <= std::size_t(id))
        shard.attempts.resize(std::size_t(id) + 1);
    ++shard.attempts[std::size_t(id)];
}

void GatewayMetrics::setGauge(QByteArrayView name, QByteArrayView help, double value)
{
    d->putGauge(name, help, Gauge { {}, value, {} });
}

void GatewayMetrics::setGaugeFunction(QByteArrayView name, QByteArrayView help, std::function<double()> read)
{
    d->putGauge(name, help, Gauge { {}, 0, std::move(read) });
}

QByteArray GatewayMetrics::render() const
{
    // Label tables first: every id a shard holds was interned before, so the
    // tables cover all of them (a newer id is skipped until the next scrape).
    const std::vector<LabelPair> seriesLabels = d->series.pairs();
    const std::vector<LabelPair> attemptLabels = d->attempts.pairs();

    std::vector<SeriesData> series(seriesLabels.size());
    std::vector<bool> seriesSeen(seriesLabels.size(), false);
    std::vector<quint64> attempts(attemptLabels.size(), 0);
    OverheadHistogram overhead;
    quint64 overflow = 0;
    for (const Shard &shard : d->shards) {
        QMutexLocker lock(&shard.mutex);
        for (std::size_t id = 0; id < shard.series.size() && id < series.size(); ++id) {
            if (shard.series[id]) {
                series[id].merge(*shard.series[id]);
                seriesSeen[id] = true;
            }
        }
        for (std::size_t id = 0; id < shard.attempts.size() && id < attempts.size(); ++id)
            attempts[id] += shard.attempts[id];
        overhead.merge(shard.overhead);
        overflow += shard.overflow;
    }

    // Stable output: series sorted by their labels.
    std::vector<std::size_t> order;
    for (std::size_t id = 0; id < series.size(); ++id) {
        if (seriesSeen[id])
            order.push_back(id);
    }
    std::sort(
        order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seriesLabels[a] < seriesLabels[b]; });
    std::vector<QByteArray> labels(series.size());
    for (std::size_t id : order)
        labels[id] = openLabels("provider", seriesLabels[id].first, "model", seriesLabels[id].second);

    QByteArray out;
    out.reserve(4096 + qsizetype(order.size()) * 4096);

    appendFamilyHeader(out, "signalbox_requests_total",
        "Requests the gateway finished, by provider, model, HTTP status class and outcome.", "counter");
    for (std::size_t id : order) {
        for (std::size_t status = 0; status < kStatusClasses.size(); ++status) {
            for (std::size_t outcome = 0; outcome < kOutcomes.size(); ++outcome) {
                const quint64 count = series[id].requests[status * kOutcomes.size() + outcome];
                if (count == 0)
                    continue;
                out += "signalbox_requests_total" + labels[id] + ",status_class=\"" + kStatusClasses[status]
                    + "\",outcome=\"" + kOutcomes[outcome] + "\"} " + QByteArray::number(count) + '\n';
            }
        }
    }

    appendFamilyHeader(out, "signalbox_request_duration_seconds",
        "Time from the request's arrival to its last byte sent, by provider and model.", "histogram");
    for (std::size_t id : order)
        appendHistogram(out, "signalbox_request_duration_seconds", labels[id], series[id].duration, kLatencyBoundsUs);

    appendFamilyHeader(out, "signalbox_ttft_seconds",
        "Time from the request's arrival to the first token sent to the client, by provider and model.", "histogram");
    for (std::size_t id : order) {
        if (series[id].ttft.count() > 0)
            appendHistogram(out, "signalbox_ttft_seconds", labels[id], series[id].ttft, kLatencyBoundsUs);
    }

    appendFamilyHeader(out, "signalbox_gateway_overhead_seconds",
        "Time each request spent in the gateway itself, upstream time excluded.", "histogram");
    appendHistogram(out, "signalbox_gateway_overhead_seconds", QByteArray(), overhead, kOverheadBoundsUs);

    appendFamilyHeader(
        out, "signalbox_tokens_total", "Tokens reported by providers, by provider, model and kind.", "counter");
    for (std::size_t id : order) {
        for (std::size_t kind = 0; kind < kTokenKinds.size(); ++kind) {
            out += "signalbox_tokens_total" + labels[id] + ",kind=\"" + kTokenKinds[kind] + "\"} "
                + QByteArray::number(series[id].tokens[kind]) + '\n';
        }
    }

    appendFamilyHeader(out, "signalbox_spend_usd_total",
        "Cost of priced requests in US dollars (exact sum), by provider and model.", "counter");
    for (std::size_t id : order) {
        out += "signalbox_spend_usd_total" + labels[id] + "} " + series[id].spend.toDecimalString().toLatin1() + '\n';
    }

    appendFamilyHeader(out, "signalbox_unpriced_requests_total",
        "Requests with usage but no known price (not in spend_usd_total), by provider and model.", "counter");
    for (std::size_t id : order)
        out += "signalbox_unpriced_requests_total" + labels[id] + "} " + QByteArray::number(series[id].unpriced) + '\n';

    appendFamilyHeader(out, "signalbox_upstream_attempts_total",
        "Upstream calls made, each try of a failover chain counted, by provider and outcome.", "counter");
    std::vector<std::size_t> attemptOrder;
    for (std::size_t id = 0; id < attempts.size(); ++id) {
        if (attempts[id] > 0)
            attemptOrder.push_back(id);
    }
    std::sort(attemptOrder.begin(), attemptOrder.end(),
        [&](std::size_t a, std::size_t b) { return attemptLabels[a] < attemptLabels[b]; });
    for (std::size_t id : attemptOrder) {
        out += "signalbox_upstream_attempts_total"
            + openLabels("provider", attemptLabels[id].first, "outcome", attemptLabels[id].second) + "} "
            + QByteArray::number(attempts[id]) + '\n';
    }

    appendFamilyHeader(out, "signalbox_metrics_series_overflow_total",
        "Observations folded into provider=\"other\" because the label set was full.", "counter");
    out += "signalbox_metrics_series_overflow_total " + QByteArray::number(overflow) + '\n';

    // Gauge functions run outside the lock: they may be slow or re-entrant.
    std::map<QByteArray, Gauge> gauges;
    {
        QMutexLocker lock(&d->gaugeMutex);
        gauges = d->gauges;
    }
    for (const auto &[name, gauge] : gauges) {
        appendFamilyHeader(out, name, gauge.help, "gauge");
        out += name + ' ' + number(gauge.read ? gauge.read() : gauge.value) + '\n';
    }
    return out;
}

} // namespace signalbox::engine
