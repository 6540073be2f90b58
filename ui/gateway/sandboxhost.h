#pragma once
// The console's sandbox provider: the fake OpenAI-compatible server of
// engine/sandbox, in memory, on a thread of its own (the controller's sandbox
// thread; every call on that thread). Stopping it retires it: answers in
// progress — streams the gateway is relaying — finish, then it closes.

#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <memory>
#include <vector>

class QTimer;

namespace signalbox::sandbox {
class FakeProvider;
}

namespace signalbox::ui {

class SandboxHost final : public QObject {
    Q_OBJECT
public:
    // `modelId`: the one model it lists and names in its answers.
    explicit SandboxHost(QString modelId, QObject *parent = nullptr);
    ~SandboxHost() override;

    // Listens on 127.0.0.1 (any port); returns the base URL, or an empty one
    // with `error` set. Already listening: the same URL.
    QUrl start(QString *error);
    // Once the gateway's routing table no longer has the sandbox, so that no
    // new request comes: answers in progress finish, for `grace` at most,
    // then it closes. It keeps listening meanwhile (FakeProvider cannot stop
    // listening without closing its connections, and no one else knows its port).
    void retire(std::chrono::milliseconds grace);
    // For quitting, once the gateway has stopped: closes them all now and
    // drops its timer (on the sandbox thread, where the timer lives).
    void stop();

private:
    struct Retiring {
        quint64 id = 0;
        std::unique_ptr<sandbox::FakeProvider> provider;
    };
    static bool answering(const sandbox::FakeProvider &fake);
    // Closes a retired sandbox once it answers nothing (or when `now`).
    void closeRetired(quint64 id, bool now);

    const QString m_modelId;
    std::unique_ptr<sandbox::FakeProvider> m_provider;
    QTimer *m_forget = nullptr;
    std::vector<Retiring> m_retiring; // stopped, still finishing answers the gateway is relaying
    quint64 m_nextRetiringId = 0;
};

} // namespace signalbox::ui
