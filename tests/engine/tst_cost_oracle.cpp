// Signalbox's cost engine against the reference implementation, calcPrice of
// @pydantic/genai-prices 0.1.8, on a generated corpus (tests/oracle): every
// priced entry, every tier boundary, both sides of every time window. Each
// case must find the same price entry and the same input, output and total
// price to 1e-9 relative, or be rejected where the reference rejects it.

#include "engine/cost/costengine.h"
#include "engine/cost/pricebook.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <cmath>

using namespace signalbox::engine;

namespace {
bool close(double ours, double theirs)
{
    if (ours == theirs)
        return true;
    return std::fabs(ours - theirs) <= 1e-9 * std::max(std::fabs(ours), std::fabs(theirs));
}
} // namespace

class TestCostOracle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesReferenceOnCorpus()
    {
        QFile data(QStringLiteral(SIGNALBOX_GENAI_PRICES_JSON));
        QVERIFY2(data.open(QIODevice::ReadOnly), qPrintable(data.fileName()));
        auto book = PriceBook::fromGenaiPricesJson(data.readAll());
        QVERIFY2(book.ok(), qPrintable(book.ok() ? QString() : book.error().message));

        QFile corpus(QStringLiteral(SIGNALBOX_ORACLE_CORPUS));
        QVERIFY2(corpus.open(QIODevice::ReadOnly), "the oracle corpus is missing: run ctest (fixture cost_oracle_corpus)");

        int cases = 0, priced = 0, rejected = 0, unmatched = 0, mismatches = 0;
        QSet<QString> entriesCovered;
        QStringList report;
        auto mismatch = [&](const QString &text) {
            ++mismatches;
            if (report.size() < 25)
                report << text;
        };

        while (!corpus.atEnd()) {
            const QByteArray line = corpus.readLine().trimmed();
            if (line.isEmpty())
                continue;
            ++cases;
            const QJsonObject c = QJsonDocument::fromJson(line).object();
            const QString provider = c.value(QStringLiteral("provider")).toString();
            const QString model = c.value(QStringLiteral("model")).toString();
            const QString label = provider + QLatin1Char('/') + model;
            const QDateTime at = QDateTime::fromString(c.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs);
            Usage usage;
            const QJsonObject u = c.value(QStringLiteral("usage")).toObject();
            for (auto it = u.begin(); it != u.end(); ++it)
                usage.set(it.key(), static_cast<qint64>(it.value().toDouble()));

            const auto match = book->find(provider, model);
            if (c.contains(QStringLiteral("expected")) && c.value(QStringLiteral("expected")).isNull()) {
                ++unmatched;
                if (match)
                    mismatch(label + QStringLiteral(": reference finds no entry, we found ") + match->entry->id);
                continue;
            }
            if (!match) {
                mismatch(label + QStringLiteral(": no entry found"));
                continue;
            }
            const auto cost = PriceBook::price(*match, usage, at);
            if (c.contains(QStringLiteral("error"))) {
                ++rejected;
                if (cost.ok())
                    mismatch(label + QStringLiteral(": reference rejects (%1), we priced it at %2")
                                         .arg(c.value(QStringLiteral("error")).toString(), cost->total().toDecimalString()));
                continue;
            }
            const QJsonObject expected = c.value(QStringLiteral("expected")).toObject();
            if (match->entry->id != expected.value(QStringLiteral("entry")).toString()) {
                mismatch(label + QStringLiteral(": entry %1, reference %2")
                                     .arg(match->entry->id, expected.value(QStringLiteral("entry")).toString()));
                continue;
            }
            if (!cost.ok()) {
                mismatch(label + QStringLiteral(": we reject: ") + cost.error().message);
                continue;
            }
            ++priced;
            entriesCovered.insert(provider + QLatin1Char('/') + match->entry->id);
            const double in = expected.value(QStringLiteral("input")).toDouble();
            const double out = expected.value(QStringLiteral("output")).toDouble();
            const double total = expected.value(QStringLiteral("total")).toDouble();
            if (!close(cost->input.toDouble(), in) || !close(cost->output.toDouble(), out)
                || !close(cost->total().toDouble(), total))
                mismatch(QStringLiteral("%1 at %2 usage %3: ours in=%4 out=%5 total=%6, reference in=%7 out=%8 total=%9")
                             .arg(label, at.toString(Qt::ISODateWithMs), QString::fromUtf8(QJsonDocument(u).toJson(QJsonDocument::Compact)),
                                  cost->input.toDecimalString(), cost->output.toDecimalString(), cost->total().toDecimalString())
                             .arg(in, 0, 'g', 17)
                             .arg(out, 0, 'g', 17)
                             .arg(total, 0, 'g', 17));
        }

        qInfo("oracle: %d cases: %d priced, %d rejected by both, %d unmatched by both, %lld entries covered, %d mismatches",
              cases, priced, rejected, unmatched, static_cast<long long>(entriesCovered.size()), mismatches);
        for (const QString &line : std::as_const(report))
            qWarning("%s", qPrintable(line));
        QVERIFY2(cases >= 10000, "the corpus must have at least 10,000 cases");
        QVERIFY(entriesCovered.size() >= static_cast<qsizetype>(book->entryCount()) - 5);
        QCOMPARE(mismatches, 0);
    }
};

QTEST_GUILESS_MAIN(TestCostOracle)
#include "tst_cost_oracle.moc"
