#include "engine/config/yamlload.h"

#include <QByteArrayView>

#include <sstream>
#include <yaml-cpp/eventhandler.h>

namespace signalbox::engine::config {

namespace {

// A pass over the YAML events before any node is built: refuses what the
// format does not use and what could make a small file expensive. Anchors
// and aliases (&x, *x) are refused, so a file holds no more nodes than its
// text shows (aliases let a 100 KB file expand to a million entries); tags
// other than plain text (!!binary, !!int...) are refused rather than
// silently read as text; a second document (---) is refused rather than
// ignored.
class StructureCheck final : public YAML::EventHandler {
public:
    struct Stop { };
    explicit StructureCheck(YamlReader &reader)
        : r(reader)
    {
    }
    void OnDocumentStart(const YAML::Mark &mark) override
    {
        if (++m_documents > 1)
            stop(mark,
                QStringLiteral("a second YAML document (---): the configuration is one document; merge them or use "
                               "two files"));
    }
    void OnDocumentEnd() override { }
    void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override { node(mark, anchor, "?"); }
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override
    {
        problem(mark, QStringLiteral("YAML aliases (*name) are not read here; write the value out"));
    }
    void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor, const std::string &) override
    {
        node(mark, anchor, tag);
    }
    void OnSequenceStart(
        const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
    {
        node(mark, anchor, tag);
    }
    void OnSequenceEnd() override { }
    void OnMapStart(
        const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
    {
        node(mark, anchor, tag);
    }
    void OnMapEnd() override { }

private:
    static SourceSpot spot(const YAML::Mark &mark)
    {
        const bool known = !mark.is_null() && mark.line >= 0;
        return SourceSpot { known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, QString() };
    }
    void problem(const YAML::Mark &mark, const QString &message)
    {
        r.problem(spot(mark), message);
        if (++m_problems >= 20)
            throw Stop {};
    }
    [[noreturn]] void stop(const YAML::Mark &mark, const QString &message)
    {
        r.problem(spot(mark), message);
        throw Stop {};
    }
    void node(const YAML::Mark &mark, YAML::anchor_t anchor, const std::string &tag)
    {
        if (++m_nodes > kMaxNodes)
            stop(mark, QStringLiteral("more than %1 values: too large for a configuration file").arg(kMaxNodes));
        if (anchor != YAML::NullAnchor)
            problem(mark, QStringLiteral("YAML anchors (&name) are not read here; write each value out"));
        // "?": no tag; "!": a quoted scalar; !!str says what every value is anyway.
        if (tag != "?" && tag != "!" && tag != "tag:yaml.org,2002:str") {
            QString shown = QString::fromStdString(tag);
            shown.replace(QLatin1String("tag:yaml.org,2002:"), QLatin1String("!!"));
            problem(mark, QStringLiteral("YAML tags (%1) are not read here; every value is plain text").arg(shown));
        }
    }

    YamlReader &r;
    int m_documents = 0;
    int m_nodes = 0;
    int m_problems = 0;
};

// Where the first byte that is not UTF-8 is (1-based line, column in
// characters), or nullopt when all of it is. yaml-cpp would read such a byte
// as U+FFFD and store that: refused instead.
std::optional<SourceSpot> firstInvalidUtf8(const QByteArray &bytes)
{
    if (QByteArrayView(bytes).isValidUtf8())
        return std::nullopt;
    int lineNumber = 1;
    qsizetype start = 0;
    while (start <= bytes.size()) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0)
            end = bytes.size();
        // '\n' is never part of a multi-byte sequence: lines are checked alone.
        const QByteArrayView line = QByteArrayView(bytes).sliced(start, end - start);
        if (!line.isValidUtf8()) {
            int column = 1;
            for (qsizetype i = 0; i < line.size(); ++column) {
                const auto lead = static_cast<uchar>(line.at(i));
                const qsizetype length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
                if (i + length > line.size() || !line.sliced(i, length).isValidUtf8())
                    break;
                i += length;
            }
            return SourceSpot { lineNumber, column, QString() };
        }
        ++lineNumber;
        start = end + 1;
    }
    return SourceSpot {};
}

} // namespace

std::optional<YAML::Node> loadSingleDocument(const QByteArray &yaml, YamlReader &reader)
{
    if (yaml.size() > kMaxFileBytes) {
        reader.problem(SourceSpot {},
            QStringLiteral("the file is larger than %1 MiB: too large for a configuration file")
                .arg(kMaxFileBytes / (1024 * 1024)));
        return std::nullopt;
    }
    if (auto bad = firstInvalidUtf8(yaml)) {
        reader.problem(*bad, QStringLiteral("not UTF-8 text (save the file as UTF-8)"));
        return std::nullopt;
    }
    try {
        const std::string text = yaml.toStdString();
        {
            std::istringstream stream(text);
            YAML::Parser events(stream);
            StructureCheck check(reader);
            try {
                while (events.HandleNextDocument(check)) { }
            } catch (const StructureCheck::Stop &) {
            }
        }
        if (reader.hasProblems())
            return std::nullopt;
        const std::vector<YAML::Node> documents = YAML::LoadAll(text);
        if (documents.size() > 1) { // StructureCheck has said so already; kept for safety
            reader.problem(
                Item { documents[1], documents[1].Mark(), QString() }, QStringLiteral("a second YAML document (---)"));
            return std::nullopt;
        }
        return documents.empty() ? YAML::Node() : documents[0];
    } catch (const YAML::Exception &error) {
        const bool known = !error.mark.is_null();
        reader.problem(SourceSpot { known ? error.mark.line + 1 : 0, known ? error.mark.column + 1 : 0, QString() },
            QStringLiteral("malformed YAML: ") + QString::fromStdString(error.msg));
        return std::nullopt;
    }
}

} // namespace signalbox::engine::config
