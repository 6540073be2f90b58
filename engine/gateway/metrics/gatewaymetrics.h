#pragma once

// engine/gateway/metrics: the gateway's Prometheus metrics (`GET /metrics`).
// Worker threads record each finished request with observe(); a scrape calls
// render(). Owns the metric families, their bounded label sets and the text
// exposition format 0.0.4; knows nothing of HTTP or routing.
//
// Hot path: observe() locks one of a fixed set of shards, picked once per
// thread, so workers do not contend with each other; only render() visits
// every shard. Label sets are bounded: a client may send any model name.

#include "engine/cost/money.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <functional>
#include <memory>
#include <optional>

namespace signalbox::engine {

// One finished request, as the gateway saw it.
struct RequestObservation {
    QByteArray provider; // provider id, empty if none served
    QByteArray model; // canonical model id, empty if none
    int httpStatus = 0; // 0: no status was sent (client gone before the answer)
    // "ok", "upstream_error", "gateway_error", "client_error", "cancelled",
    // "timeout"; anything else is counted as "other".
    QByteArray outcome;
    bool stream = false;
    qint64 latencyUs = 0;
    std::optional<qint64> ttftUs; // time to first token, streamed or not; nullopt: none came
    qint64 overheadUs = 0; // time spent in the gateway itself
    qint64 promptTokens = 0, completionTokens = 0, cachedTokens = 0, reasoningTokens = 0;
    // What the request cost. nullopt: it had usage we could not price (counted
    // in unpriced_requests_total, never added as 0). A request that was never
    // charged (rejected before any upstream call) costs Money(), zero.
    std::optional<Money> cost;
    int attempts = 1; // informational; count attempts with upstreamAttempt()
};

// The registry. Thread-safe; one per gateway. Metric names are prefixed
// `signalbox_`; render() lists the families.
class GatewayMetrics {
public:
    // At most maxSeries distinct (provider, model) pairs get their own series
    // (and at most maxSeries (provider, outcome) pairs of upstream attempts);
    // the rest are folded into provider="other",model="other" and counted in
    // signalbox_metrics_series_overflow_total.
    explicit GatewayMetrics(int maxSeries = 256);
    ~GatewayMetrics();
    GatewayMetrics(const GatewayMetrics &) = delete;
    GatewayMetrics &operator=(const GatewayMetrics &) = delete;

    // Records one finished request. Thread-safe, cheap (no global lock once a
    // (provider, model) pair has been seen on this thread's shard).
    void observe(const RequestObservation &o);
    // Counts one upstream attempt (each try of a failover chain), with the
    // outcome of that try ("ok", "upstream_error", "timeout", ...). Thread-safe.
    void upstreamAttempt(QByteArrayView provider, QByteArrayView outcome);

    // A gauge without labels, rendered as `signalbox_<name>` (the prefix is
    // added unless present). For values updated now and then (usage queue
    // depth); takes a mutex. Invalid names are ignored with a warning.
    void setGauge(QByteArrayView name, QByteArrayView help, double value);
    // A gauge read when rendering, on the scraping thread: for values that
    // change on every request (in-flight count: keep it in an atomic and read
    // it here), so the hot path pays nothing. Replaces a gauge of that name.
    void setGaugeFunction(QByteArrayView name, QByteArrayView help, std::function<double()> read);

    // Prometheus text exposition format 0.0.4; serve with contentType().
    // Families: requests_total{provider,model,status_class,outcome} (counter),
    // request_duration_seconds{provider,model} and ttft_seconds{provider,model}
    // (histograms, 5 ms .. 300 s), gateway_overhead_seconds (histogram,
    // 10 us .. 100 ms), tokens_total{provider,model,kind} (counter),
    // spend_usd_total{provider,model} (counter, exact decimal),
    // unpriced_requests_total{provider,model}, upstream_attempts_total
    // {provider,outcome}, metrics_series_overflow_total, then the gauges.
    QByteArray render() const;
    static QByteArray contentType() { return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"); }

    int maxSeries() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace signalbox::engine
