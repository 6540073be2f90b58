#include "ui/gateway/sandboxhost.h"

#include "engine/sandbox/fakeprovider.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace signalbox::ui {

Q_DECLARE_LOGGING_CATEGORY(lcConsoleGateway) // gatewaycontroller.cpp

SandboxHost::SandboxHost(QString modelId, QObject *parent)
    : QObject(parent)
    , m_modelId(std::move(modelId))
{
}

SandboxHost::~SandboxHost() = default;

QUrl SandboxHost::start(QString *error)
{
    if (m_provider && m_provider->isListening())
        return m_provider->baseUrl();
    m_provider = std::make_unique<sandbox::FakeProvider>();
    sandbox::FakeBehaviour behaviour;
    // Paced like a small hosted model, so streams look like streams.
    behaviour.headersDelay = std::chrono::milliseconds(20);
    behaviour.firstTokenDelay = std::chrono::milliseconds(80);
    behaviour.tokensPerSecond = 60;
    behaviour.completionTokens = 16;
    behaviour.servedModel = m_modelId;
    m_provider->setDefaultBehaviour(behaviour);
    m_provider->setModels({m_modelId});
    if (!m_provider->listen(QHostAddress(QHostAddress::LocalHost), 0)) {
        *error = m_provider->errorString();
        m_provider.reset();
        return {};
    }
    // The fake records every request for tests; a demo that runs all day
    // must not grow with it.
    if (!m_forget) {
        m_forget = new QTimer(this);
        m_forget->setInterval(std::chrono::seconds(10));
        m_forget->setTimerType(Qt::CoarseTimer);
        QObject::connect(m_forget, &QTimer::timeout, this, [this] {
            if (m_provider)
                m_provider->clearRecords();
        });
    }
    m_forget->start();
    return m_provider->baseUrl();
}

bool SandboxHost::answering(const sandbox::FakeProvider &fake)
{
    const QList<sandbox::RecordedRequest> requests = fake.requests();
    return std::any_of(requests.cbegin(), requests.cend(), [](const sandbox::RecordedRequest &request) {
        return request.outcome == sandbox::RequestOutcome::InProgress;
    });
}

void SandboxHost::retire(std::chrono::milliseconds grace)
{
    if (m_forget)
        m_forget->stop();
    if (!m_provider)
        return;
    const quint64 id = ++m_nextRetiringId;
    sandbox::FakeProvider *fake = m_provider.get();
    m_retiring.push_back(Retiring{id, std::move(m_provider)});
    if (!answering(*fake))
        return closeRetired(id, false);
    // Closed from the event loop, never from inside the provider's own signal.
    const auto later = [this, id](bool now) {
        QMetaObject::invokeMethod(this, [this, id, now] { closeRetired(id, now); }, Qt::QueuedConnection);
    };
    QObject::connect(fake, &sandbox::FakeProvider::requestFinished, this, [later] { later(false); });
    auto *deadline = new QTimer(fake); // goes with it when it closes first
    deadline->setSingleShot(true);
    QObject::connect(deadline, &QTimer::timeout, this, [later] { later(true); });
    deadline->start(grace);
}

void SandboxHost::closeRetired(quint64 id, bool now)
{
    const auto it = std::find_if(m_retiring.begin(), m_retiring.end(), [id](const Retiring &r) { return r.id == id; });
    if (it == m_retiring.end() || (!now && answering(*it->provider)))
        return;
    const std::unique_ptr<sandbox::FakeProvider> fake = std::move(it->provider);
    m_retiring.erase(it);
    fake->close();
    qCInfo(lcConsoleGateway) << "sandbox provider closed";
}

void SandboxHost::stop()
{
    delete std::exchange(m_forget, nullptr); // a timer goes on its own thread: this one
    if (m_provider) {
        m_provider->close();
        m_provider.reset();
    }
    for (Retiring &r : std::exchange(m_retiring, {}))
        r.provider->close();
}

} // namespace signalbox::ui
