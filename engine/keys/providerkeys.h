#pragma once

// engine/keys/providerkeys: where the gateway gets a provider's API key, and
// how keys are kept out of logs and error bodies. A provider's settings hold a
// KeyReference (engine/catalog/userdata.h): the name of an environment
// variable, the path of a key file or the name of a keychain entry — never the
// key. ProviderKeyResolver turns a reference into the key bytes; redactSecrets()
// and redactKnownSecrets() scrub text before it is logged or sent to a client.
// See docs/provider-keys.md.

#include "engine/catalog/userdata.h"
#include "engine/core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <chrono>
#include <memory>
#include <vector>

namespace signalbox::engine {

// Resolves key references. Thread-safe: call it from any thread, with or
// without an event loop running there.
//
// Error codes:
// - "key-missing": the variable is unset or empty, the file is absent or
//   unreadable or empty, the keychain has no such entry;
// - "key-insecure" (Unix): the key file can be read or written by group or
//   others, or is not owned by the user the gateway runs as; the message says
//   `chmod 600 FILE`;
// - "keychain-unavailable": built without qtkeychain, no keychain service, no
//   D-Bus session (servers, CI, containers), access refused, or no answer in
//   time; the message tells the admin to use an environment variable or a key
//   file instead;
// - "invalid": a malformed reference, a key file over 64 KiB or a directory,
//   a key with spaces or control characters inside (two lines, "Bearer …").
// Messages name the variable, file or entry, never the key or any part of it.
class ProviderKeyResolver {
public:
    // At most this is read from a key file.
    static constexpr qsizetype kMaxKeyFileBytes = 64 * 1024;
    // A keychain answer that takes longer is treated as "keychain-unavailable"
    // and the keychain is not asked again for kKeychainBackoff.
    static constexpr std::chrono::milliseconds kDefaultKeychainTimeout { 3000 };
    static constexpr std::chrono::milliseconds kKeychainBackoff { 30'000 };
    // A keychain entry found missing is not asked for again for this long.
    static constexpr std::chrono::milliseconds kMissingEntryTtl { 10'000 };

    explicit ProviderKeyResolver(std::chrono::milliseconds keychainTimeout = kDefaultKeychainTimeout);
    ~ProviderKeyResolver();
    ProviderKeyResolver(const ProviderKeyResolver &) = delete;
    ProviderKeyResolver &operator=(const ProviderKeyResolver &) = delete;

    // The key, trimmed of surrounding whitespace (never logged). Kind::None
    // resolves to an empty key: the provider takes none. An empty keychain ref
    // means defaultKeychainEntry(providerId).
    //
    // Cost: Environment reads the variable, File opens and reads the file on
    // every call (so a rotated file takes effect at once: a few microseconds);
    // Keychain is answered from memory after the first lookup (invalidate()).
    Result<QByteArray> resolve(const KeyReference &ref, const QString &providerId = {}) const;

    // Stores a key in the system keychain (`providers add --keychain`, the
    // console) and in the cache. "keychain-unavailable" when there is none;
    // never falls back to writing the key anywhere else.
    Result<void> storeInKeychain(const QString &entry, const QByteArray &key) const;
    // Removing an entry that does not exist succeeds.
    Result<void> removeFromKeychain(const QString &entry) const;

    // Forgets cached keychain answers: one entry, or all with an empty name.
    void invalidate(const QString &entry = {}) const;

    // Whether a keychain can be tried at all: built with qtkeychain, a
    // QCoreApplication exists, on Linux/BSD a D-Bus session is announced
    // (DBUS_SESSION_BUS_ADDRESS), and no recent attempt timed out. Cheap; does
    // not talk to the keychain.
    static bool keychainAvailable();
    // "signalbox/<provider id>": the entry a provider's key is stored under by default.
    static QString defaultKeychainEntry(const QString &providerId);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

// Replaces anything that looks like a credential with "***": Bearer and Basic
// credentials; tokens with a provider's prefix (sk-…, sk-ant-…, sbk_…, gsk_…,
// AIza…, xai-…, hf_…, pplx-…, r8_…, ya29.…, ghp_…, glpat-…); values of
// Authorization-like headers and JSON fields (authorization, x-api-key,
// api-key, api_key, x-goog-api-key, access_token, client_secret …) when they
// look like a token; `key=`, `api_key=`, `token=`, `access_token=` and similar
// query parameters. Ordinary words ("ask-for", "risk-free", "api_key:
// required") are left alone. Bytes outside those matches are kept as they are.
// For logs and error bodies, not the hot path.
QByteArray redactSecrets(QByteArrayView text);

// Replaces every occurrence of each of `secrets` (and of its percent-encoded
// and JSON-escaped forms) with "***". Longer secrets first; empty ones are
// ignored. Use with the keys the gateway sent upstream on an upstream's error
// body, then redactSecrets() for anything else.
QByteArray redactKnownSecrets(QByteArrayView text, const std::vector<QByteArray> &secrets);

} // namespace signalbox::engine
