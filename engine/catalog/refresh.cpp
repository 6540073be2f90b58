#include "engine/catalog/refresh.h"

#include "engine/catalog/naming.h"
#include "engine/catalog/urlpolicy.h"
#include "engine/core/logging.h"
#include "engine/core/version.h"

#include <QFutureWatcher>
#include <QHash>
#include <QHostInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPromise>
#include <QSet>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>

namespace signalbox::engine {

namespace {

const QString kOpenRouter = QStringLiteral("openrouter");

// The input or output rate at `now`: nullopt when the price is unknown, zero
// when the applicable set does not price the unit (a free model).
std::optional<Money> rateAt(const PriceSchedule &schedule, UnitId unit, const QDateTime &now)
{
    const PriceSet *prices = schedule.pricesAt(now);
    if (!prices)
        return std::nullopt;
    const UnitPrice *price = prices->find(unit);
    return price ? price->rate.base : Money();
}

// nullopt when neither input nor output moved.
std::optional<PriceChange> comparePrices(const Offering &before, const Offering &after, const QDateTime &now)
{
    PriceChange change;
    change.providerModelId = after.providerModelId;
    change.modelId = before.modelId;
    change.oldInput = rateAt(before.price, units::inputTokens(), now);
    change.newInput = rateAt(after.price, units::inputTokens(), now);
    change.oldOutput = rateAt(before.price, units::outputTokens(), now);
    change.newOutput = rateAt(after.price, units::outputTokens(), now);
    const bool wasKnown = change.oldInput.has_value();
    const bool isKnown = change.newInput.has_value();
    if (!wasKnown && !isKnown)
        return std::nullopt;
    if (wasKnown != isKnown) {
        change.kind = isKnown ? PriceChange::Kind::NowPriced : PriceChange::Kind::NowUnpriced;
        return change;
    }
    const bool up = *change.newInput > *change.oldInput || *change.newOutput > *change.oldOutput;
    const bool down = *change.newInput < *change.oldInput || *change.newOutput < *change.oldOutput;
    if (!up && !down)
        return std::nullopt;
    change.kind = up && down ? PriceChange::Kind::Mixed : (up ? PriceChange::Kind::Up : PriceChange::Kind::Down);
    return change;
}

// The bundled naming rules, read once. Without them (a build missing its
// resources) an OpenRouter id stands for itself, less its ":variant" tag.
ModelNaming::Identity identify(const QString &providerModelId)
{
    static const Result<ModelNaming> naming = ModelNaming::bundled();
    if (naming)
        return naming->identify(providerModelId);
    QString id = providerModelId.toLower();
    const qsizetype colon = id.lastIndexOf(QLatin1Char(':'));
    if (colon > 0)
        id.truncate(colon);
    const qsizetype slash = id.indexOf(QLatin1Char('/'));
    return ModelNaming::Identity { id, slash > 0 ? id.left(slash) : QString() };
}

// OpenRouter names models "Vendor: Model"; the model's own name is the part
// after the vendor.
QString modelName(const QString &offeringName)
{
    const qsizetype colon = offeringName.indexOf(QStringLiteral(": "));
    return colon > 0 ? offeringName.mid(colon + 2) : offeringName;
}

RefreshResult failed(const QUrl &url, Error error)
{
    RefreshResult result;
    result.url = url;
    result.error = std::move(error);
    return result;
}

QString where(const QUrl &url)
{
    return url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
}

RefreshResult importAndMerge(
    const std::shared_ptr<const Catalog> &base, const QByteArray &body, const QUrl &url, const QDateTime &fetchedAt)
{
    RefreshResult result;
    result.url = url;
    result.bytes = body.size();
    result.fetchedAt = fetchedAt;
    auto imported = importOpenRouterModels(body, fetchedAt.date());
    if (!imported) {
        result.error = Error { imported.error().code,
            QStringLiteral("The model list from %1 is not usable: %2").arg(where(url), imported.error().message) };
        return result;
    }
    RefreshMerge merged = mergeOpenRouterModels(*base, imported.value(), fetchedAt);
    result.ok = true;
    result.catalog = std::make_shared<const Catalog>(std::move(merged.catalog));
    result.diff = std::move(merged.diff);
    return result;
}

} // namespace

int CatalogDiff::count(PriceChange::Kind kind) const
{
    return static_cast<int>(std::count_if(
        priceChanges.cbegin(), priceChanges.cend(), [kind](const PriceChange &change) { return change.kind == kind; }));
}

QString CatalogDiff::summary() const
{
    if (isEmpty())
        return QStringLiteral("no changes");
    QStringList parts;
    const auto part = [&parts](qsizetype n, const QString &text) {
        if (n > 0)
            parts.append(text.arg(n));
    };
    part(added.size(), QStringLiteral("%1 new"));
    part(removed.size(), QStringLiteral("%1 removed"));
    part(count(PriceChange::Kind::Up), QStringLiteral("%1 prices up"));
    part(count(PriceChange::Kind::Down), QStringLiteral("%1 down"));
    part(count(PriceChange::Kind::Mixed), QStringLiteral("%1 mixed"));
    part(count(PriceChange::Kind::NowPriced), QStringLiteral("%1 newly priced"));
    part(count(PriceChange::Kind::NowUnpriced), QStringLiteral("%1 no longer priced"));
    return parts.join(QStringLiteral(", "));
}

RefreshMerge mergeOpenRouterModels(const Catalog &base, const SourceCatalog &openRouter, const QDateTime &now)
{
    CatalogDiff diff;
    std::vector<Provider> providers = base.providers();
    if (!base.provider(kOpenRouter)) {
        for (const Provider &provider : openRouter.providers) {
            if (provider.id == kOpenRouter)
                providers.push_back(provider);
        }
    }

    QHash<QString, const SourceOffering *> fresh;
    for (const SourceOffering &source : openRouter.offerings) {
        if (source.offering.providerId == kOpenRouter)
            fresh.insert(source.offering.providerModelId, &source);
    }

    // Existing OpenRouter offerings: updated in place, or dropped.
    std::vector<Offering> offerings;
    offerings.reserve(base.offerings().size() + openRouter.offerings.size());
    QSet<QString> kept;
    QSet<QString> modelsLosingOfferings;
    int updated = 0;
    for (const Offering &before : base.offerings()) {
        if (before.providerId != kOpenRouter) {
            offerings.push_back(before);
            continue;
        }
        const SourceOffering *source = fresh.value(before.providerModelId);
        if (!source) {
            diff.removed.append(before.providerModelId);
            modelsLosingOfferings.insert(before.modelId);
            continue;
        }
        Offering after = before;
        const Offering &listed = source->offering;
        after.name = listed.name;
        if (listed.contextLength > 0)
            after.contextLength = listed.contextLength;
        if (listed.maxOutput > 0)
            after.maxOutput = listed.maxOutput;
        after.traits = listed.traits;
        after.deprecated = false;
        after.price = listed.price;
        after.provenance = listed.provenance;
        if (auto change = comparePrices(before, after, now))
            diff.priceChanges.push_back(std::move(*change));
        else
            ++diff.unchanged;
        kept.insert(before.providerModelId);
        offerings.push_back(std::move(after));
        ++updated;
    }

    // Models: drop those whose last offering went, then add new ones.
    QHash<QString, int> offeringsPerModel;
    for (const Offering &offering : offerings)
        ++offeringsPerModel[offering.modelId];
    std::vector<Model> models;
    models.reserve(base.models().size());
    for (const Model &model : base.models()) {
        if (modelsLosingOfferings.contains(model.id) && offeringsPerModel.value(model.id) == 0)
            continue;
        models.push_back(model);
    }
    QHash<QString, std::size_t> modelIndex;
    for (std::size_t i = 0; i < models.size(); ++i)
        modelIndex.insert(models[i].id, i);

    int addedCount = 0;
    for (const SourceOffering &source : openRouter.offerings) {
        const Offering &listed = source.offering;
        if (listed.providerId != kOpenRouter || kept.contains(listed.providerModelId))
            continue;
        Offering offering = listed;
        const ModelNaming::Identity identity = identify(listed.providerModelId);
        offering.modelId = identity.canonicalId;
        const auto known = modelIndex.constFind(offering.modelId);
        if (known == modelIndex.cend()) {
            Model model;
            model.id = offering.modelId;
            model.name = modelName(listed.name);
            model.author = identity.author;
            model.traits = listed.traits;
            model.contextLength = listed.contextLength;
            model.releaseDate = source.releaseDate;
            model.knowledgeCutoff = source.knowledgeCutoff;
            models.push_back(std::move(model));
            modelIndex.insert(offering.modelId, models.size() - 1);
            diff.newModels.append(offering.modelId);
        } else {
            Model &model = models[*known];
            model.contextLength = std::max(model.contextLength, listed.contextLength);
        }
        diff.added.append(listed.providerModelId);
        offerings.push_back(std::move(offering));
        ++addedCount;
    }

    diff.added.sort();
    diff.removed.sort();
    diff.newModels.sort();
    std::sort(diff.priceChanges.begin(), diff.priceChanges.end(),
        [](const PriceChange &a, const PriceChange &b) { return a.providerModelId < b.providerModelId; });

    CatalogInfo info = base.info();
    info.report.openRouterUpdated = updated;
    info.report.openRouterAdded = addedCount;
    info.report.providers = static_cast<int>(providers.size());
    info.report.models = static_cast<int>(models.size());
    info.report.offerings = static_cast<int>(offerings.size());
    return RefreshMerge { Catalog(std::move(providers), std::move(models), std::move(offerings), base.priceBook(),
                              std::move(info)),
        std::move(diff) };
}

// --- CatalogRefresher -------------------------------------------------------

QUrl CatalogRefresher::defaultUrl()
{
    return QUrl(QStringLiteral("https://openrouter.ai/api/v1/models"));
}

CatalogRefresher::CatalogRefresher(std::shared_ptr<const Catalog> base, QObject *parent)
    : QObject(parent)
    , m_base(std::move(base))
{
}

CatalogRefresher::~CatalogRefresher()
{
    dropReply();
}

void CatalogRefresher::dropReply()
{
    // One load of the guarded pointer: GCC's -Wnull-dereference cannot see
    // that QPointer stays non-null between separate loads.
    if (QNetworkReply *reply = m_reply.data(); reply != nullptr) {
        QObject::disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
    m_reply = nullptr;
}

void CatalogRefresher::setBaseCatalog(std::shared_ptr<const Catalog> base)
{
    m_base = std::move(base);
}

void CatalogRefresher::setNetworkAccessManager(QNetworkAccessManager *manager)
{
    m_manager = manager;
}

bool CatalogRefresher::start(const QUrl &url)
{
    if (m_running)
        return false;
    m_running = true;
    ++m_run;
    m_url = url;
    m_body.clear();

    // Answered through the event loop, like every other outcome, so a caller
    // never sees finished() before start() has returned.
    const auto failLater = [this](Error error) {
        QTimer::singleShot(0, this, [this, run = m_run, error = std::move(error)] {
            if (m_running && run == m_run)
                complete(failed(m_url, error));
        });
        return true;
    };
    auto checked = validateProviderBaseUrl(url.toString(QUrl::FullyEncoded));
    if (!checked)
        return failLater(Error {
            QStringLiteral("invalid-url"), QStringLiteral("Cannot refresh the catalog: ") + checked.error().message });
    if (!m_base)
        return failLater(Error { QStringLiteral("no-catalog"), QStringLiteral("There is no catalog to refresh") });

    if (!m_deadline) {
        m_deadline = new QTimer(this);
        m_deadline->setSingleShot(true);
        connect(m_deadline, &QTimer::timeout, this, [this] {
            failTransfer(Error { QStringLiteral("timeout"),
                QStringLiteral("The catalog refresh from %1 took longer than %2 s and was stopped")
                    .arg(where(m_url))
                    .arg(m_totalTimeout.count() / 1000.0) });
        });
    }
    m_deadline->start(m_totalTimeout);
    qCInfo(lcCatalog) << "refreshing the catalog from" << where(m_url);

    // A host name is resolved and checked first: DNS may answer with a
    // link-local address the URL check could not see.
    const QUrl target = checked.value();
    if (!QHostAddress(target.host()).isNull()) {
        sendRequest(target);
        return true;
    }
    m_lookupId = QHostInfo::lookupHost(target.host(), this, [this, run = m_run, target](const QHostInfo &info) {
        m_lookupId = -1;
        if (m_running && run == m_run)
            onHostLookedUp(info, target);
    });
    return true;
}

void CatalogRefresher::onHostLookedUp(const QHostInfo &info, const QUrl &target)
{
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty())
        return complete(failed(m_url,
            Error { QStringLiteral("host-not-found"),
                QStringLiteral("Cannot refresh the catalog: the host of %1 was not found").arg(where(m_url)) }));
    for (const QHostAddress &address : info.addresses()) {
        if (isForbiddenAddress(address))
            return complete(failed(m_url,
                Error { QStringLiteral("forbidden-address"),
                    QStringLiteral("Cannot refresh the catalog: %1 resolves to %2, a link-local or cloud metadata "
                                   "address; Signalbox never sends requests there")
                        .arg(target.host(), address.toString()) }));
    }
    sendRequest(target);
}

void CatalogRefresher::sendRequest(const QUrl &target)
{
    if (!m_manager) {
        if (!m_ownManager)
            m_ownManager = new QNetworkAccessManager(this);
        m_manager = m_ownManager;
    }
    QNetworkRequest request = makeProviderRequest(target);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray(QByteArray("Signalbox/") + kVersion));
    m_reply = m_manager->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &CatalogRefresher::onMetaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &CatalogRefresher::onReadyRead);
    connect(m_reply, &QNetworkReply::downloadProgress, this, &CatalogRefresher::progress);
    connect(m_reply, &QNetworkReply::finished, this, &CatalogRefresher::onReplyFinished);
}

void CatalogRefresher::cancel()
{
    failTransfer(Error { QStringLiteral("cancelled"), QStringLiteral("The catalog refresh was cancelled") });
}

void CatalogRefresher::onMetaDataChanged()
{
    if (!m_reply)
        return;
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid() && length.toLongLong() > m_maxBytes)
        failTransfer(Error { QStringLiteral("too-large"),
            QStringLiteral("The model list from %1 is %2 bytes, more than the limit of %3")
                .arg(where(m_url))
                .arg(length.toLongLong())
                .arg(m_maxBytes) });
}

void CatalogRefresher::onReadyRead()
{
    if (!m_reply)
        return;
    m_body += m_reply->readAll();
    if (m_body.size() > m_maxBytes)
        failTransfer(Error { QStringLiteral("too-large"),
            QStringLiteral("The model list from %1 is larger than the limit of %2 bytes")
                .arg(where(m_url))
                .arg(m_maxBytes) });
}

void CatalogRefresher::failTransfer(Error error)
{
    if (!m_running)
        return;
    dropReply();
    complete(failed(m_url, std::move(error)));
}

Error CatalogRefresher::replyError(QNetworkReply *reply) const
{
    const QString url = where(m_url);
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        return Error { QStringLiteral("connection-refused"),
            QStringLiteral("Cannot refresh the catalog: %1 refused the connection").arg(url) };
    case QNetworkReply::HostNotFoundError:
        return Error { QStringLiteral("host-not-found"),
            QStringLiteral("Cannot refresh the catalog: the host of %1 was not found").arg(url) };
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // what setTransferTimeout() reports in Qt 6.4
        return Error { QStringLiteral("timeout"),
            QStringLiteral("The catalog refresh from %1 timed out: nothing arrived for %2 s")
                .arg(url)
                .arg(m_timeout.count() / 1000.0) };
    case QNetworkReply::SslHandshakeFailedError:
        return Error { QStringLiteral("tls"),
            QStringLiteral("Cannot refresh the catalog: the secure connection to %1 failed: %2")
                .arg(url, reply->errorString()) };
    default:
        return Error { QStringLiteral("network"),
            QStringLiteral("Cannot refresh the catalog from %1: %2").arg(url, reply->errorString()) };
    }
}

void CatalogRefresher::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply || !m_running)
        return;
    m_reply = nullptr;
    reply->deleteLater();

    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QNetworkReply::NetworkError error = reply->error();
    // A timeout can strike after a 200 header; it is still a timeout.
    if (error == QNetworkReply::TimeoutError || error == QNetworkReply::OperationCanceledError)
        return complete(failed(m_url, replyError(reply)));
    if (status.isValid() && status.toInt() != 200) {
        const int code = status.toInt();
        QString message = QStringLiteral("The catalog refresh from %1 failed: the server answered HTTP %2")
                              .arg(where(m_url))
                              .arg(code);
        const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().trimmed();
        if (!reason.isEmpty())
            message += QStringLiteral(" (%1)").arg(reason);
        message += QStringLiteral(" instead of 200");
        const QUrl location = reply->header(QNetworkRequest::LocationHeader).toUrl();
        if (code >= 300 && code < 400 && location.isValid())
            message += QStringLiteral(": a redirect to %1, which Signalbox does not follow")
                           .arg(location.toDisplayString());
        return complete(failed(m_url, Error { QStringLiteral("http-status"), message }));
    }
    if (error != QNetworkReply::NoError)
        return complete(failed(m_url, replyError(reply)));
    m_body += reply->readAll();
    if (m_body.size() > m_maxBytes)
        return failTransfer(Error { QStringLiteral("too-large"),
            QStringLiteral("The model list from %1 is larger than the limit of %2 bytes")
                .arg(where(m_url))
                .arg(m_maxBytes) });
    if (m_deadline)
        m_deadline->stop();
    startMerge(std::exchange(m_body, QByteArray()));
}

void CatalogRefresher::startMerge(QByteArray body)
{
    // The import and merge take tens of milliseconds on a real list: off
    // this thread. The worker owns copies of everything it reads; a watcher
    // owned by this object brings the result back, and is gone (so the
    // result dropped) if this object is.
    auto promise = std::make_shared<QPromise<RefreshResult>>();
    auto *watcher = new QFutureWatcher<RefreshResult>(this);
    connect(watcher, &QFutureWatcher<RefreshResult>::finished, this, [this, watcher, run = m_run] {
        watcher->deleteLater();
        if (!m_running || run != m_run || watcher->future().resultCount() == 0)
            return;
        complete(watcher->future().result());
    });
    watcher->setFuture(promise->future());
    QThreadPool::globalInstance()->start(
        [promise, base = m_base, body = std::move(body), url = m_url, at = QDateTime::currentDateTimeUtc()] {
            promise->start();
            promise->addResult(importAndMerge(base, body, url, at));
            promise->finish();
        });
}

void CatalogRefresher::complete(RefreshResult result)
{
    m_running = false;
    ++m_run;
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    if (m_deadline)
        m_deadline->stop();
    m_body.clear();
    if (result.ok)
        qCInfo(lcCatalog) << "catalog refreshed from" << where(result.url) << ":" << result.diff.summary();
    else
        qCWarning(lcCatalog) << "catalog refresh failed:" << result.error.message;
    emit finished(result);
}

} // namespace signalbox::engine
