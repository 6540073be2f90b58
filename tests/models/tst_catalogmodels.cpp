// The catalog's item models on a small hand-made catalog with known prices.

#include "models/catalog/catalogfilterproxy.h"
#include "models/catalog/catalogroles.h"
#include "models/catalog/catalogtablemodel.h"
#include "models/catalog/estimatormodel.h"
#include "models/catalog/offeringsmodel.h"
#include "tests/support/catalogfixture.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace signalbox;

Q_DECLARE_METATYPE(signalbox::models::CatalogFilterProxy::Filters)
using models::CatalogTableModel;

namespace {
QStringList column(const QAbstractItemModel &model, int col, int role = Qt::DisplayRole)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values << model.index(row, col).data(role).toString();
    return values;
}

const QDateTime kAt = QDateTime(QDate(2026, 10, 1), QTime(12, 0), Qt::UTC);
} // namespace

class TestCatalogModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tableRowsAndPrices()
    {
        CatalogTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        table.setCatalog(testing::smallCatalog(), kAt);
        QCOMPARE(table.rowCount(), 4);
        const int cheap = table.rowOf(QStringLiteral("cheap/model"));
        QCOMPARE(table.index(cheap, CatalogTableModel::InputPriceColumn).data().toString(), QStringLiteral("$0.05"));
        QCOMPARE(table.index(cheap, CatalogTableModel::OutputPriceColumn).data().toString(), QStringLiteral("$0.40"));
        QCOMPARE(table.index(cheap, CatalogTableModel::ProvidersColumn).data().toString(), QStringLiteral("2"));
        const int mid = table.rowOf(QStringLiteral("mid/model"));
        QCOMPARE(table.index(mid, CatalogTableModel::ProvidersColumn).data().toString(), QStringLiteral("1 (single)"));
        QVERIFY(table.index(mid, CatalogTableModel::ProvidersColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("availability risk")));
        const int pricey = table.rowOf(QStringLiteral("pricey/model"));
        QCOMPARE(table.index(pricey, CatalogTableModel::InputPriceColumn).data().toString(), QStringLiteral("$10.00 +"));
    }

    void unknownPriceIsUnknownNotZero()
    {
        CatalogTableModel table;
        table.setCatalog(testing::smallCatalog(), kAt);
        const int mystery = table.rowOf(QStringLiteral("mystery/model"));
        QCOMPARE(table.index(mystery, CatalogTableModel::InputPriceColumn).data().toString(), QStringLiteral("unknown"));
        QCOMPARE(table.index(mystery, CatalogTableModel::OutputPriceColumn).data().toString(), QStringLiteral("unknown"));
        QVERIFY(table.index(mystery, 0).data(models::UnpricedRole).toBool());
        QVERIFY(!table.index(mystery, CatalogTableModel::InputPriceColumn).data().toString().contains(QLatin1Char('$')));
    }

    void sortsByRawPrice()
    {
        CatalogTableModel table;
        table.setCatalog(testing::smallCatalog(), kAt);
        models::CatalogFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&table);
        proxy.sort(CatalogTableModel::InputPriceColumn, Qt::AscendingOrder);
        // As text, "$10.00" would sort before "$1.20"; the unknown price goes last.
        QCOMPARE(column(proxy, CatalogTableModel::InputPriceColumn),
                 (QStringList{QStringLiteral("$0.05"), QStringLiteral("$1.20"), QStringLiteral("$10.00 +"), QStringLiteral("unknown")}));
        proxy.sort(CatalogTableModel::ContextColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data(models::ModelIdRole).toString(), QStringLiteral("mid/model"));
    }

    void filters_data()
    {
        using Filters = models::CatalogFilterProxy::Filters;
        QTest::addColumn<Filters>("filters");
        QTest::addColumn<QStringList>("expected");
        const auto ids = [](std::initializer_list<const char *> list) {
            QStringList out;
            for (const char *id : list)
                out << QString::fromLatin1(id);
            return out;
        };
        Filters f;
        QTest::newRow("none") << f << ids({"cheap/model", "mid/model", "mystery/model", "pricey/model"});
        f = {};
        f.text = QStringLiteral("MODEL pri");
        QTest::newRow("search words") << f << ids({"pricey/model"});
        f = {};
        f.text = QStringLiteral("beta");
        QTest::newRow("search provider") << f << ids({"cheap/model", "mystery/model", "pricey/model"});
        f = {};
        f.providerId = QStringLiteral("alpha");
        QTest::newRow("provider") << f << ids({"cheap/model", "mid/model"});
        f = {};
        f.inputModality = int(engine::Modality::Image);
        QTest::newRow("image input") << f << ids({"mid/model"});
        f = {};
        f.minContext = 150000;
        QTest::newRow("min context") << f << ids({"mid/model"});
        f = {};
        f.maxInputPerMillion = engine::Money::parse("1.2");
        QTest::newRow("max price inclusive, unknown excluded") << f << ids({"cheap/model", "mid/model"});
        f = {};
        f.tools = true;
        QTest::newRow("tools") << f << ids({"cheap/model"});
        f = {};
        f.reasoning = true;
        QTest::newRow("reasoning") << f << ids({"mid/model"});
        f = {};
        f.openWeights = true;
        QTest::newRow("open weights") << f << ids({"mystery/model"});
        f = {};
        f.originCountry = QStringLiteral("FR");
        QTest::newRow("origin") << f << ids({"mid/model"});
    }

    void filters()
    {
        QFETCH(models::CatalogFilterProxy::Filters, filters);
        QFETCH(QStringList, expected);
        CatalogTableModel table;
        table.setCatalog(testing::smallCatalog(), kAt);
        models::CatalogFilterProxy proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&table);
        proxy.setFilters(filters);
        QStringList ids = column(proxy, 0, models::ModelIdRole);
        ids.sort();
        QCOMPARE(ids, expected);
    }

    void offeringsSideBySide()
    {
        models::OfferingsModel offerings;
        QAbstractItemModelTester tester(&offerings, QAbstractItemModelTester::FailureReportingMode::QtTest);
        offerings.setOfferings(testing::smallCatalog(), {QStringLiteral("cheap/model")}, kAt);
        QCOMPARE(offerings.rowCount(), 2);
        QCOMPARE(column(offerings, models::OfferingsModel::ProviderColumn),
                 (QStringList{QStringLiteral("Alpha Cloud"), QStringLiteral("Beta AI")}));
        QCOMPARE(column(offerings, models::OfferingsModel::InputColumn),
                 (QStringList{QStringLiteral("$0.05"), QStringLiteral("$0.08")}));
        QCOMPARE(offerings.index(0, models::OfferingsModel::CacheReadColumn).data().toString(), QStringLiteral("—"));
        QCOMPARE(offerings.index(0, models::OfferingsModel::SourceColumn).data().toString(),
                 QStringLiteral("genai-prices · 2026-09-23"));

        offerings.setOfferings(testing::smallCatalog(), {QStringLiteral("pricey/model"), QStringLiteral("mystery/model")}, kAt);
        QCOMPARE(offerings.rowCount(), 2);
        QCOMPARE(offerings.index(0, models::OfferingsModel::ConditionsColumn).data().toString(),
                 QStringLiteral("> 200K prompt tokens: $20.00 in / $45.00 out"));
        QCOMPARE(offerings.index(1, models::OfferingsModel::InputColumn).data().toString(), QStringLiteral("unknown"));
        QCOMPARE(offerings.index(1, models::OfferingsModel::SourceColumn).data().toString(), QStringLiteral("no price known"));
    }

    void estimatorCheapestFirst()
    {
        models::EstimatorModel estimator;
        QAbstractItemModelTester tester(&estimator, QAbstractItemModelTester::FailureReportingMode::QtTest);
        estimator.setPricingTime(kAt);
        estimator.setModels(testing::smallCatalog(),
                            {QStringLiteral("mystery/model"), QStringLiteral("pricey/model"), QStringLiteral("cheap/model")});
        // 1,000 in + 500 out per request, 1,000 requests a day, 30 days.
        estimator.setWorkload({1000, 500, 0, 1000, 30});
        QCOMPARE(estimator.rowCount(), 4);
        // alpha cheap: 1000 x 0.05/1M + 500 x 0.40/1M = $0.00025 a request, x 30,000 = $7.50.
        QCOMPARE(estimator.rowAt(0).perRequest->toDecimalString(), QStringLiteral("0.00025"));
        QCOMPARE(estimator.rowAt(0).perMonth->toDecimalString(), QStringLiteral("7.5"));
        QCOMPARE(estimator.index(0, models::EstimatorModel::ProviderColumn).data().toString(), QStringLiteral("Alpha Cloud"));
        // beta cheap: 1000 x 0.08 + 500 x 0.50 per 1M = $0.00033; pricey: $0.025.
        QCOMPARE(estimator.rowAt(1).perMonth->toDecimalString(), QStringLiteral("9.9"));
        QCOMPARE(estimator.rowAt(2).perRequest->toDecimalString(), QStringLiteral("0.025"));
        QVERIFY(!estimator.rowAt(3).perRequest.has_value());
        QCOMPARE(estimator.index(3, models::EstimatorModel::PerMonthColumn).data().toString(), QStringLiteral("unknown"));

        // Over 200K prompt tokens the tier applies to the whole request.
        estimator.setWorkload({200001, 0, 0, 1, 1});
        int pricey = -1;
        for (int row = 0; row < estimator.rowCount(); ++row)
            if (estimator.index(row, 0).data(models::ModelIdRole).toString() == QLatin1String("pricey/model"))
                pricey = row;
        QCOMPARE(estimator.rowAt(pricey).perRequest->toDecimalString(), QStringLiteral("4.00002"));
    }

    void freeVariantDoesNotHideThePaidPrice()
    {
        const auto base = testing::smallCatalog();
        std::vector<engine::Offering> offerings = base->offerings();
        engine::Offering free = offerings.front();  // alpha, cheap/model
        free.providerModelId = QStringLiteral("cheap/model:free");
        free.price.variants.front().prices.prices.clear();  // priced at zero
        offerings.push_back(free);
        auto catalog = std::make_shared<const engine::Catalog>(base->providers(), base->models(), offerings,
                                                               engine::PriceBook{}, base->info());
        CatalogTableModel table;
        table.setCatalog(catalog, kAt);
        const QModelIndex input = table.index(table.rowOf(QStringLiteral("cheap/model")), CatalogTableModel::InputPriceColumn);
        QCOMPARE(input.data().toString(), QStringLiteral("$0.05"));
        QVERIFY(input.data(Qt::ToolTipRole).toString().contains(QStringLiteral("free")));
    }

    void emptyAndReset()
    {
        CatalogTableModel table;
        QAbstractItemModelTester tester(&table, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(table.rowCount(), 0);
        table.setCatalog(testing::smallCatalog(), kAt);
        QCOMPARE(table.rowCount(), 4);
        table.setCatalog(nullptr);
        QCOMPARE(table.rowCount(), 0);
        QCOMPARE(table.rowOf(QStringLiteral("cheap/model")), -1);
    }
};

QTEST_MAIN(TestCatalogModels)
#include "tst_catalogmodels.moc"
