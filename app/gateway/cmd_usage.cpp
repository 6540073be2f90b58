// signalbox-gateway usage: the usage log from a shell. `tail` shows the
// requests written last and can follow new ones as they are written; `export`
// streams a time range as CSV or JSON Lines. Both read page by page through
// the UsageStore interface with a cursor, so a log of any size is read in
// bounded memory and no SQL lives here.

#include "app/gateway/commands.h"
#include "engine/core/shutdownsignals.h"
#include "engine/cost/money.h"
#include "engine/usage/sqliteusagestore.h"
#include "engine/usage/usagestore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSaveFile>
#include <QTimer>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <span>

namespace signalbox::gateway {

namespace {

using engine::UsageCursor;
using engine::UsageOrder;
using engine::UsageQuery;
using engine::UsageRecord;
using engine::UsageStore;

// Rows per store query: bounds memory whatever the size of the log.
constexpr int kPageSize = 1000;
constexpr qint64 kDefaultTailLines = 20;
// How often `tail -f` asks the store for rows written since the last look.
constexpr std::chrono::milliseconds kFollowInterval { 400 };

// ---------------------------------------------------------------------------
// The exported record: one list of columns for JSON Lines and CSV alike, in
// this order. `price` reads these names back; docs/cli.md lists them.

struct Cell {
    enum class Kind { Null, Text, Number, Bool };
    Kind kind = Kind::Null;
    QByteArray bytes; // Text: UTF-8; Number: a JSON number's text

    static Cell null() { return {}; }
    static Cell text(const QString &value) { return { Kind::Text, value.toUtf8() }; }
    static Cell number(qint64 value) { return { Kind::Number, QByteArray::number(value) }; }
    static Cell decimal(QByteArray value) { return { Kind::Number, std::move(value) }; }
    static Cell boolean(bool value) { return { Kind::Bool, value ? QByteArray("true") : QByteArray("false") }; }
};

struct Column {
    const char *name;
    Cell (*value)(const UsageRecord &);
};

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

// Microseconds as exact decimal milliseconds: 842123 -> "842.123", 95000 -> "95".
QByteArray millisText(qint64 us)
{
    QByteArray text = QByteArray::number(us / 1000);
    if (const qint64 fraction = us % 1000; fraction != 0) {
        QByteArray digits = QByteArray::number(fraction).rightJustified(3, '0');
        while (digits.endsWith('0'))
            digits.chop(1);
        text += '.' + digits;
    }
    return text;
}

const std::array<Column, 29> kColumns = { {
    { "id", [](const UsageRecord &r) { return Cell::text(r.id); } },
    { "started_at", [](const UsageRecord &r) { return Cell::text(isoTime(r.startedAt)); } },
    { "finished_at", [](const UsageRecord &r) { return Cell::text(isoTime(r.finishedAt)); } },
    { "key_id", [](const UsageRecord &r) { return Cell::text(r.keyId); } },
    { "project", [](const UsageRecord &r) { return Cell::text(r.project); } },
    { "endpoint", [](const UsageRecord &r) { return Cell::text(r.endpoint); } },
    { "requested_model", [](const UsageRecord &r) { return Cell::text(r.requestedModel); } },
    { "model", [](const UsageRecord &r) { return Cell::text(r.servedModel); } },
    { "provider", [](const UsageRecord &r) { return Cell::text(r.servedProvider); } },
    { "provider_model", [](const UsageRecord &r) { return Cell::text(r.servedProviderModel); } },
    { "status", [](const UsageRecord &r) { return Cell::text(engine::usageStatusName(r.status)); } },
    // 0 in the log: nothing was sent to the client.
    { "http_status", [](const UsageRecord &r) { return r.httpStatus ? Cell::number(r.httpStatus) : Cell::null(); } },
    { "error_class", [](const UsageRecord &r) { return Cell::text(r.errorClass); } },
    { "error_message", [](const UsageRecord &r) { return Cell::text(r.errorMessage); } },
    { "attempts", [](const UsageRecord &r) { return Cell::number(static_cast<qint64>(r.attempts.size())); } },
    { "fallbacks",
        [](const UsageRecord &r) {
            return Cell::number(std::max<qint64>(0, static_cast<qint64>(r.attempts.size()) - 1));
        } },
    { "prompt_tokens", [](const UsageRecord &r) { return Cell::number(r.promptTokens); } },
    { "completion_tokens", [](const UsageRecord &r) { return Cell::number(r.completionTokens); } },
    { "cache_read_tokens", [](const UsageRecord &r) { return Cell::number(r.cachedTokens); } },
    { "cache_write_tokens", [](const UsageRecord &r) { return Cell::number(r.cacheWriteTokens); } },
    { "reasoning_tokens", [](const UsageRecord &r) { return Cell::number(r.reasoningTokens); } },
    // A string, so no JSON reader turns it into a double.
    { "cost", [](const UsageRecord &r) { return r.cost ? Cell::text(r.cost->toDecimalString()) : Cell::null(); } },
    { "cost_status",
        [](const UsageRecord &r) { return Cell::text(r.cost ? QStringLiteral("priced") : QStringLiteral("unpriced")); } },
    { "latency_ms", [](const UsageRecord &r) { return Cell::decimal(millisText(r.latencyUs)); } },
    { "ttft_ms", [](const UsageRecord &r) { return r.ttftUs ? Cell::decimal(millisText(*r.ttftUs)) : Cell::null(); } },
    { "overhead_us", [](const UsageRecord &r) { return Cell::number(r.overheadUs); } },
    { "stream", [](const UsageRecord &r) { return Cell::boolean(r.stream); } },
    { "estimated", [](const UsageRecord &r) { return Cell::boolean(r.tokensEstimated); } },
    { "route_reason", [](const UsageRecord &r) { return Cell::text(r.routeReason); } },
} };

void appendJsonString(QByteArray &out, const QByteArray &utf8)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += kHex[(c >> 4) & 0xf];
                out += kHex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

// One JSON object on one line, keys in column order.
void appendJsonLine(QByteArray &out, const UsageRecord &record)
{
    out += '{';
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (i > 0)
            out += ',';
        out += '"';
        out += kColumns[i].name;
        out += "\":";
        const Cell cell = kColumns[i].value(record);
        if (cell.kind == Cell::Kind::Null)
            out += "null";
        else if (cell.kind == Cell::Kind::Text)
            appendJsonString(out, cell.bytes);
        else
            out += cell.bytes;
    }
    out += "}\n";
}

// RFC 4180: a field with a comma, quote or line break is quoted and its
// quotes doubled; so is one with outer spaces, which some readers trim.
void appendCsvField(QByteArray &out, const QByteArray &field)
{
    const bool quote = field.contains(',') || field.contains('"') || field.contains('\n') || field.contains('\r')
        || (!field.isEmpty() && (field.front() == ' ' || field.back() == ' '));
    if (!quote) {
        out += field;
        return;
    }
    out += '"';
    for (const char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

QByteArray csvHeader()
{
    QByteArray out;
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (i > 0)
            out += ',';
        out += kColumns[i].name;
    }
    return out + "\r\n";
}

// Null is an empty field.
void appendCsvLine(QByteArray &out, const UsageRecord &record)
{
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (i > 0)
            out += ',';
        const Cell cell = kColumns[i].value(record);
        if (cell.kind != Cell::Kind::Null)
            appendCsvField(out, cell.bytes);
    }
    out += "\r\n";
}

bool writeStdout(const QByteArray &bytes)
{
    const auto size = static_cast<std::size_t>(bytes.size());
    const bool written = std::fwrite(bytes.constData(), 1, size, stdout) == size;
    return std::fflush(stdout) == 0 && written;
}

engine::Result<std::unique_ptr<UsageStore>> openStore(const CommandContext &context)
{
    auto workspace = openWorkspace(context);
    if (!workspace)
        return workspace.error();
    auto store = engine::SqliteUsageStore::open(workspace.value()->databasePath());
    if (!store)
        return store.error();
    return std::unique_ptr<UsageStore>(std::move(store).value());
}

// ---------------------------------------------------------------------------
// tail

// For people: "1.5" below 10 ms, whole milliseconds above.
QString millisForPeople(qint64 us)
{
    if (us < 10'000) {
        const qint64 tenths = (us + 50) / 100;
        return QStringLiteral("%1.%2").arg(tenths / 10).arg(tenths % 10);
    }
    return QString::number((us + 500) / 1000);
}

constexpr int kTableColumns = 9;
using TableRow = std::array<QString, kTableColumns>;
// Numbers are right-aligned.
constexpr std::array<bool, kTableColumns> kRightAligned = { false, false, true, false, true, true, true, true, false };

TableRow tableHeader()
{
    return { QStringLiteral("TIME (UTC)"), QStringLiteral("STATUS"), QStringLiteral("HTTP"),
        QStringLiteral("MODEL (REQUESTED \u2192 SERVED)"), QStringLiteral("TOKENS IN/OUT"), QStringLiteral("COST"),
        QStringLiteral("LATENCY MS"), QStringLiteral("TTFT MS"), QStringLiteral("KEY/PROJECT") };
}

TableRow tableRow(const UsageRecord &r)
{
    const QString mark = r.tokensEstimated ? QStringLiteral("~") : QString();
    QString served = QStringLiteral("-");
    if (!r.servedProvider.isEmpty())
        served = r.servedProvider + QLatin1Char('/')
            + (r.servedProviderModel.isEmpty() ? r.servedModel : r.servedProviderModel);
    else if (!r.servedModel.isEmpty())
        served = r.servedModel;
    QString status = engine::usageStatusName(r.status);
    if (!r.errorClass.isEmpty())
        status += QStringLiteral(" (%1)").arg(r.errorClass);
    QString who = r.keyId.isEmpty() ? QStringLiteral("-") : r.keyId;
    if (!r.project.isEmpty())
        who += QLatin1Char('/') + r.project;
    return { r.startedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")), status,
        r.httpStatus ? QString::number(r.httpStatus) : QStringLiteral("-"),
        (r.requestedModel.isEmpty() ? QStringLiteral("-") : r.requestedModel) + QStringLiteral(" \u2192 ") + served,
        mark + QString::number(r.promptTokens) + QLatin1Char('/') + mark + QString::number(r.completionTokens),
        // Unpriced is not free.
        r.cost ? r.cost->toDisplayString() : QStringLiteral("unknown"), millisForPeople(r.latencyUs),
        r.ttftUs ? millisForPeople(*r.ttftUs) : QStringLiteral("-"), who };
}

// Prints rows as an aligned table or as JSON Lines. The table's column
// widths come from the first rows printed and stay fixed after, so rows that
// arrive while following line up with those above them.
class TailPrinter {
public:
    explicit TailPrinter(bool json)
        : m_json(json)
    {
    }

    bool print(std::span<const UsageRecord> records)
    {
        if (m_json) {
            // One write and flush per line: `tail -f --json | jq` sees each row at once.
            QByteArray line;
            for (const UsageRecord &record : records) {
                line.clear();
                appendJsonLine(line, record);
                if (!writeStdout(line))
                    return false;
            }
            return true;
        }
        std::vector<TableRow> rows;
        rows.reserve(records.size());
        for (const UsageRecord &record : records)
            rows.push_back(tableRow(record));
        QString text;
        if (!m_started) {
            m_started = true;
            const TableRow header = tableHeader();
            for (int i = 0; i < kTableColumns; ++i)
                m_widths[i] = static_cast<int>(header[i].size());
            for (const TableRow &row : rows) {
                for (int i = 0; i < kTableColumns; ++i)
                    m_widths[i] = std::max(m_widths[i], static_cast<int>(row[i].size()));
            }
            text += format(header);
        }
        for (const TableRow &row : rows)
            text += format(row);
        return writeStdout(text.toUtf8());
    }

    // The table's header even when there is no row yet (`tail -f` on an empty log).
    bool finishStart()
    {
        return m_json || m_started || print({});
    }

    bool printedAny() const { return m_rows > 0; }

private:
    QString format(const TableRow &row)
    {
        QString line;
        for (int i = 0; i < kTableColumns; ++i) {
            if (i > 0)
                line += QStringLiteral("  ");
            if (kRightAligned[i])
                line += row[i].rightJustified(m_widths[i]);
            else if (i + 1 < kTableColumns)
                line += row[i].leftJustified(m_widths[i]);
            else
                line += row[i];
        }
        ++m_rows;
        return line + QLatin1Char('\n');
    }

    bool m_json;
    bool m_started = false;
    qint64 m_rows = -1; // the header is the first line formatted
    std::array<int, kTableColumns> m_widths {};
};

engine::Error stdoutError()
{
    return engine::Error { QStringLiteral("io"), QStringLiteral("cannot write to standard output") };
}

// Reads the log in commit order (seq) behind a cursor, so following never
// prints a row twice or skips one: a stream that started before other rows
// but finished after them is written, and shown, after them.
class Tail {
public:
    Tail(UsageStore &store, TailPrinter &printer, bool withAttempts)
        : m_store(store)
        , m_printer(printer)
        , m_withAttempts(withAttempts)
    {
    }

    // Prints the last `lines` rows written, oldest first, and leaves the
    // cursor after the newest.
    engine::Result<void> start(qint64 lines)
    {
        // The newest row by start time is nearly always among the last
        // written: begin at its seq and walk forward to the end of the log.
        UsageQuery newest;
        newest.order = UsageOrder::NewestFirst;
        newest.limit = 1;
        newest.withAttempts = false;
        auto top = m_store.query(newest);
        if (!top)
            return top.error();
        qint64 end = top.value().empty() ? 0 : top.value().front().seq;
        for (;;) {
            auto page = m_store.query(committedAfter(end, false));
            if (!page)
                return page.error();
            if (!page.value().empty())
                end = page.value().back().seq;
            if (page.value().size() < static_cast<std::size_t>(kPageSize))
                break;
        }
        // Seqs have gaps where rows were deleted: widen the window until it
        // holds `lines` rows or the whole log.
        qint64 span = std::max<qint64>(lines, 1);
        qint64 start = std::max<qint64>(0, end - lines);
        qint64 inWindow = 0;
        for (;;) {
            UsageQuery window = committedAfter(start, false);
            auto counted = m_store.count(window);
            if (!counted)
                return counted.error();
            inWindow = counted.value();
            if (inWindow >= lines || start == 0)
                break;
            span = span > end ? end : span * 2;
            start = std::max<qint64>(0, end - span);
        }
        m_cursor = start;
        return readNew(std::max<qint64>(0, inWindow - lines));
    }

    // Prints every row written after the cursor, skipping the first `skip`.
    engine::Result<void> readNew(qint64 skip = 0)
    {
        for (;;) {
            auto page = m_store.query(committedAfter(m_cursor, m_withAttempts));
            if (!page)
                return page.error();
            const std::vector<UsageRecord> &records = page.value();
            if (records.empty())
                return {};
            const auto skipped = static_cast<std::size_t>(std::min<qint64>(skip, static_cast<qint64>(records.size())));
            skip -= static_cast<qint64>(skipped);
            if (skipped < records.size() && !m_printer.print(std::span(records).subspan(skipped)))
                return stdoutError();
            m_cursor = records.back().seq;
            if (records.size() < static_cast<std::size_t>(kPageSize))
                return {};
        }
    }

private:
    static UsageQuery committedAfter(qint64 seq, bool withAttempts)
    {
        UsageQuery query;
        query.order = UsageOrder::Committed;
        query.after = UsageCursor { seq, {} };
        query.limit = kPageSize;
        query.withAttempts = withAttempts;
        return query;
    }

    UsageStore &m_store;
    TailPrinter &m_printer;
    bool m_withAttempts;
    qint64 m_cursor = 0;
};

int tail(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("usage tail [-n N] [-f] [--json]"),
        QStringLiteral(
            "Shows the last N requests written to the usage log (default %1), oldest first: start time\n"
            "(UTC), status, HTTP status, the model asked for and the provider/model that served it,\n"
            "tokens in/out (~: estimated, the provider reported none), cost (\"unknown\" when unpriced),\n"
            "latency, time to first token, and the virtual key/project. Rows are in the order they were\n"
            "written, i.e. finished: a long stream comes after shorter requests that started later.\n"
            "-f keeps printing new rows as the gateway writes them until SIGINT or SIGTERM. --json prints\n"
            "one JSON object per line (the fields of usage export), flushed per line.")
            .arg(kDefaultTailLines),
        true);
    line.add(QCommandLineOption({ QStringLiteral("n"), QStringLiteral("lines") },
        QStringLiteral("How many rows (default %1; 0: only new ones with -f).").arg(kDefaultTailLines),
        QStringLiteral("N"), QString::number(kDefaultTailLines)));
    line.add(QCommandLineOption({ QStringLiteral("f"), QStringLiteral("follow") },
        QStringLiteral("Keep printing new rows until SIGINT or SIGTERM.")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;
    bool numberOk = false;
    const qint64 lines = line.value(QStringLiteral("lines")).trimmed().toLongLong(&numberOk);
    if (!numberOk || lines < 0)
        return fail(ExitBadInput,
            QStringLiteral("usage tail: -n wants a number of rows (0 or more), got '%1'")
                .arg(line.value(QStringLiteral("lines"))));
    const bool follow = line.isSet(QStringLiteral("follow"));

    auto store = openStore(context);
    if (!store)
        return failWith(store.error(), QStringLiteral("usage tail"));

    // Before the first read, so a signal during it still ends the command cleanly.
    std::unique_ptr<engine::ShutdownSignals> signals_;
    if (follow)
        signals_ = std::make_unique<engine::ShutdownSignals>();

    TailPrinter printer(line.json());
    Tail reader(*store.value(), printer, line.json());
    if (auto started = reader.start(lines); !started)
        return failWith(started.error(), QStringLiteral("usage tail"));
    if (!follow) {
        if (!line.json() && !printer.printedAny())
            warn(QStringLiteral("the usage log has no requests yet"));
        return ExitOk;
    }
    if (!printer.finishStart())
        return failWith(stdoutError(), QStringLiteral("usage tail"));

    QObject::connect(signals_.get(), &engine::ShutdownSignals::shutdownRequested, QCoreApplication::instance(),
        [](int) { QCoreApplication::exit(ExitOk); });
    bool waiting = false; // a busy database: said once, retried at every tick
    QTimer timer;
    timer.setInterval(kFollowInterval);
    QObject::connect(&timer, &QTimer::timeout, &timer, [&reader, &waiting, &timer] {
        auto read = reader.readNew();
        if (read) {
            waiting = false;
            return;
        }
        if (read.error().code == QLatin1String("busy")) {
            if (!waiting)
                warn(QStringLiteral("usage tail: %1; retrying").arg(read.error().message));
            waiting = true;
            return;
        }
        timer.stop();
        QCoreApplication::exit(failWith(read.error(), QStringLiteral("usage tail")));
    });
    timer.start();
    return QCoreApplication::exec();
}

// ---------------------------------------------------------------------------
// export

int exportRange(const CommandContext &context, const QStringList &arguments)
{
    CommandLine line(QStringLiteral("usage export --format csv|jsonl [--from T] [--to T] [--output F]"),
        QStringLiteral(
            "Writes every request that started in [--from, --to) (default: the whole log up to now), ordered\n"
            "by start time, as CSV (a header row, RFC 4180 quoting, UTF-8, CRLF) or JSON Lines. Times are\n"
            "ISO 8601 dates or date-times, UTC unless they carry an offset, or \"now\". Costs are exact\n"
            "decimal USD strings, empty (CSV) or null (JSON) when unpriced. The log is read page by page,\n"
            "so any size exports in little memory. --output writes a temporary file next to F and renames\n"
            "it when complete, so F is never half written."));
    line.add(QCommandLineOption(QStringLiteral("format"), QStringLiteral("csv or jsonl."), QStringLiteral("FORMAT")));
    line.add(QCommandLineOption(QStringLiteral("from"), QStringLiteral("First start time included."),
        QStringLiteral("T")));
    line.add(QCommandLineOption(QStringLiteral("to"), QStringLiteral("Start time excluded (default now)."),
        QStringLiteral("T")));
    line.add(QCommandLineOption({ QStringLiteral("o"), QStringLiteral("output") },
        QStringLiteral("Write to this file instead of standard output."), QStringLiteral("F")));
    if (auto stop = line.parse(arguments, 0, 0, QString()))
        return *stop;

    const QString format = line.value(QStringLiteral("format")).trimmed().toLower();
    if (!line.isSet(QStringLiteral("format")))
        return fail(ExitBadInput, QStringLiteral("usage export: say --format csv or --format jsonl"));
    const bool csv = format == QLatin1String("csv");
    if (!csv && format != QLatin1String("jsonl"))
        return fail(ExitBadInput,
            QStringLiteral("usage export: unknown --format '%1' (csv or jsonl)").arg(line.value(QStringLiteral("format"))));

    QDateTime from;
    if (line.isSet(QStringLiteral("from"))) {
        auto parsed = parseTimeArgument(line.value(QStringLiteral("from")), QStringLiteral("--from"));
        if (!parsed)
            return failWith(parsed.error(), QStringLiteral("usage export"));
        from = parsed.value();
    }
    QDateTime to = QDateTime::currentDateTimeUtc();
    if (line.isSet(QStringLiteral("to"))) {
        auto parsed = parseTimeArgument(line.value(QStringLiteral("to")), QStringLiteral("--to"));
        if (!parsed)
            return failWith(parsed.error(), QStringLiteral("usage export"));
        to = parsed.value();
    }
    // Only when both are given: "--from 2030-01-01" alone is an empty range, not a mistake.
    if (from.isValid() && line.isSet(QStringLiteral("to")) && from > to)
        return fail(ExitBadInput,
            QStringLiteral("usage export: --from %1 is after --to %2").arg(isoTime(from), isoTime(to)));

    const bool toFile = line.isSet(QStringLiteral("output")) && line.value(QStringLiteral("output")) != QLatin1String("-");
    const QString outputPath = line.value(QStringLiteral("output"));
    if (toFile && outputPath.trimmed().isEmpty())
        return fail(ExitBadInput, QStringLiteral("usage export: --output needs a file name"));

    auto store = openStore(context);
    if (!store)
        return failWith(store.error(), QStringLiteral("usage export"));

    QSaveFile file(outputPath);
    if (toFile && !file.open(QIODevice::WriteOnly))
        return fail(ExitFailure, QStringLiteral("usage export: cannot write %1: %2").arg(outputPath, file.errorString()));
    // QSaveFile removes its temporary file unless commit() is reached.
    auto write = [&](const QByteArray &bytes) {
        return toFile ? file.write(bytes) == bytes.size() : writeStdout(bytes);
    };
    auto writeError = [&] {
        return fail(ExitFailure,
            toFile ? QStringLiteral("usage export: cannot write %1: %2").arg(outputPath, file.errorString())
                   : QStringLiteral("usage export: cannot write to standard output"));
    };

    if (csv && !write(csvHeader()))
        return writeError();
    UsageQuery query;
    query.from = from;
    query.to = to;
    query.order = UsageOrder::StartedAt;
    query.limit = kPageSize;
    query.withAttempts = true; // for the attempts and fallbacks columns
    qint64 exported = 0;
    QByteArray buffer;
    for (;;) {
        auto page = store.value()->query(query);
        if (!page)
            return failWith(page.error(), QStringLiteral("usage export"));
        const std::vector<UsageRecord> &records = page.value();
        buffer.clear();
        for (const UsageRecord &record : records) {
            if (csv)
                appendCsvLine(buffer, record);
            else
                appendJsonLine(buffer, record);
        }
        if (!buffer.isEmpty() && !write(buffer))
            return writeError();
        exported += static_cast<qint64>(records.size());
        if (records.size() < static_cast<std::size_t>(kPageSize))
            break;
        query.after = UsageCursor::after(records.back());
    }
    if (toFile) {
        if (!file.commit())
            return writeError();
        std::fprintf(stderr, "exported %lld request%s to %s\n", static_cast<long long>(exported),
            exported == 1 ? "" : "s", qUtf8Printable(outputPath));
    }
    return ExitOk;
}

} // namespace

int runUsage(const CommandContext &context, const QStringList &arguments)
{
    return dispatchSubcommand("usage",
                              {{"tail", tail, "[-n N] [-f] [--json]"},
                               {"export", exportRange, "--format csv|jsonl [--from T] [--to T] [--output F]"}},
                              context, arguments);
}

} // namespace signalbox::gateway
