#pragma once

// Refreshing the catalog from OpenRouter's live model list: fetch (with a
// timeout, a size limit and no redirects), import with the strict OpenRouter
// importer, merge into a *new* catalog, and say what changed. The catalog
// given is never modified: a failed refresh leaves the caller exactly where it
// was. See docs/catalog-user-data.md.

#include "engine/catalog/catalog.h"
#include "engine/catalog/importers.h"
#include "engine/core/result.h"
#include "engine/cost/money.h"

#include <QDateTime>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

class QHostInfo;
class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace signalbox::engine {

// How one OpenRouter offering's price moved, judged on its input and output
// per-token rates at the time of the refresh (other units do not count).
struct PriceChange {
    enum class Kind : quint8 {
        Up, // at least one rate went up, none down
        Down, // at least one went down, none up
        Mixed, // one up, the other down
        NowPriced, // the price was unknown and is known now
        NowUnpriced, // the price was known and is unknown now
    };
    QString providerModelId; // "openai/gpt-4o"
    QString modelId; // canonical
    Kind kind = Kind::Up;
    std::optional<Money> oldInput, newInput, oldOutput, newOutput; // per token; nullopt: unknown
};

struct CatalogDiff {
    QStringList added; // OpenRouter model ids new in this refresh, sorted
    QStringList removed; // OpenRouter model ids no longer listed, sorted (their offerings are dropped)
    QStringList newModels; // canonical model ids the catalog did not have before, sorted
    std::vector<PriceChange> priceChanges; // sorted by provider model id
    int unchanged = 0; // offerings listed before and after at the same input and output price

    int count(PriceChange::Kind kind) const;
    bool isEmpty() const { return added.isEmpty() && removed.isEmpty() && priceChanges.empty(); }
    QString summary() const; // "3 new, 1 removed, 2 prices up, 1 down"
};

struct RefreshMerge {
    Catalog catalog;
    CatalogDiff diff;
};

// Merges a fresh OpenRouter import into `base`, returning a new catalog:
//  - offerings of provider "openrouter" that the import lists take its
//    price, provenance (openrouter, as of the import), name, limits and
//    traits, and keep their canonical model;
//  - those it does not list are dropped, and so is a model left without
//    offerings by that;
//  - new ones are added, their canonical model found by ModelNaming (the
//    bundled rules) and created when the catalog has none;
//  - the "openrouter" provider is added when the base has none.
// Everything else — other providers, the PriceBook, CatalogInfo apart from
// its OpenRouter counts — is copied unchanged. `now` is when prices are
// compared.
RefreshMerge mergeOpenRouterModels(const Catalog &base, const SourceCatalog &openRouter, const QDateTime &now);

struct RefreshResult {
    bool ok = false;
    Error error; // when !ok. Codes: "invalid-url", "busy", "no-catalog", "connection-refused",
                 // "host-not-found", "forbidden-address", "timeout", "too-large", "http-status", "network", "tls",
                 // "cancelled", and the importer's ("invalid-catalog", ...) for a malformed body
    std::shared_ptr<const Catalog> catalog; // when ok: the refreshed catalog (the base is untouched)
    CatalogDiff diff;
    QUrl url;
    qint64 bytes = 0; // body size received
    QDateTime fetchedAt; // UTC
};

// Fetches the model list and builds a refreshed catalog off the calling
// thread (the import and merge run on the global QThreadPool). Lives on one
// thread with an event loop; start() and cancel() are called there.
//
// The refresher holds its base catalog through a shared pointer to const, so
// it cannot change it; apply user data (applyUserData) to the result, not
// before the refresh.
class CatalogRefresher final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogRefresher)
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout { 30'000 };
    static constexpr std::chrono::milliseconds kDefaultTotalTimeout { 300'000 };
    static constexpr qint64 kDefaultMaxBytes = 32 * 1024 * 1024;
    static QUrl defaultUrl(); // https://openrouter.ai/api/v1/models

    explicit CatalogRefresher(std::shared_ptr<const Catalog> base, QObject *parent = nullptr);
    ~CatalogRefresher() override;

    // For the next start().
    void setBaseCatalog(std::shared_ptr<const Catalog> base);
    std::shared_ptr<const Catalog> baseCatalog() const { return m_base; }
    // Aborts when no byte arrives for this long (QNetworkRequest::setTransferTimeout).
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    std::chrono::milliseconds timeout() const { return m_timeout; }
    // Aborts a transfer that trickles on past this, however lively.
    void setTotalTimeout(std::chrono::milliseconds timeout) { m_totalTimeout = timeout; }
    // A larger body (by Content-Length or as received) is refused.
    void setMaxBytes(qint64 bytes) { m_maxBytes = bytes; }
    qint64 maxBytes() const { return m_maxBytes; }
    // Shared with the rest of the application when given; owned otherwise.
    void setNetworkAccessManager(QNetworkAccessManager *manager);

    bool isRunning() const { return m_running; }

    // Starts a refresh; every call that returns true is answered by exactly
    // one finished(). Returns false, and does nothing, while one is running.
    // The URL must pass validateProviderBaseUrl() (a bad one is answered by
    // finished() with "invalid-url"), and a host name must not resolve to an
    // address isForbiddenAddress() refuses ("forbidden-address"). That check
    // happens before the request; QNetworkAccessManager resolves the name
    // again, so a DNS server answering differently the second time (DNS
    // rebinding) is not caught here.
    bool start(const QUrl &url = defaultUrl());
    // Stops the running refresh; finished() reports "cancelled" at once.
    void cancel();

Q_SIGNALS:
    void progress(qint64 received, qint64 total); // total is -1 when unknown
    void finished(const signalbox::engine::RefreshResult &result);

private:
    void onHostLookedUp(const QHostInfo &info, const QUrl &target);
    void sendRequest(const QUrl &target);
    void onMetaDataChanged();
    void onReadyRead();
    void onReplyFinished();
    void failTransfer(Error error);
    void dropReply();  // disconnects, aborts and releases the running reply, if any
    void startMerge(QByteArray body);
    void complete(RefreshResult result);
    Error replyError(QNetworkReply *reply) const;

    std::shared_ptr<const Catalog> m_base;
    std::chrono::milliseconds m_timeout = kDefaultTimeout;
    std::chrono::milliseconds m_totalTimeout = kDefaultTotalTimeout;
    qint64 m_maxBytes = kDefaultMaxBytes;
    QPointer<QNetworkAccessManager> m_manager;
    QNetworkAccessManager *m_ownManager = nullptr;

    bool m_running = false;
    quint64 m_run = 0; // which start() a late worker result belongs to
    QUrl m_url;
    int m_lookupId = -1;
    QPointer<QNetworkReply> m_reply;
    QTimer *m_deadline = nullptr;
    QByteArray m_body;
};

} // namespace signalbox::engine

Q_DECLARE_METATYPE(signalbox::engine::RefreshResult)
