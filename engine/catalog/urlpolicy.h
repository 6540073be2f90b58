#pragma once

// Which URLs Signalbox may send a request to on the user's behalf: the base
// URL of a custom provider, the catalog refresh URL. Local model servers
// (vLLM, Ollama, llama.cpp on loopback or the LAN) are allowed; link-local
// and cloud metadata addresses are not, because a request there from a cloud
// machine hands out the machine's credentials. See docs/catalog-user-data.md.

#include "engine/core/result.h"

#include <QHostAddress>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>

namespace signalbox::engine {

// Checks text typed as a provider base URL and returns it parsed:
//  - http or https, a host, no user name or password, no fragment;
//  - the host must not be a forbidden address (isForbiddenAddress) in any
//    spelling: dotted, decimal (http://2852039166/), hex, octal, IPv4-mapped
//    IPv6, a trailing dot; nor a metadata host name (metadata,
//    metadata.google.internal, instance-data, instance-data.ec2.internal);
//  - the unspecified address (0.0.0.0, ::) and multicast are refused too:
//    no provider listens there.
// Errors have code "invalid" and say what is wrong.
//
// A host *name* can still resolve to a forbidden address (DNS is the
// attacker's to answer), so whoever connects must check again: the HTTP
// client resolves the name itself, refuses when isForbiddenAddress() holds
// for any resolved address, and connects to a checked address.
Result<QUrl> validateProviderBaseUrl(const QString &text);

// True for addresses no provider request may reach: IPv4 link-local
// 169.254.0.0/16 (AWS, GCP, Azure, OpenStack metadata at 169.254.169.254),
// Alibaba Cloud's 100.100.100.200, IPv6 link-local fe80::/10, AWS's
// fd00:ec2::254 and GCP's fd20:ce::254, the unspecified address, multicast
// and broadcast. An IPv4 address embedded in IPv6 (::ffff:a.b.c.d,
// ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as that IPv4
// address. Loopback and private LAN ranges are allowed.
bool isForbiddenAddress(const QHostAddress &address);

// True for host names of cloud metadata services (case-insensitive, a
// trailing dot ignored).
bool isMetadataHostName(const QString &host);

// A request to a provider that never follows redirects: an upstream answering
// 302 Location: http://169.254.169.254/ must not turn Signalbox into a proxy
// for it. The 3xx response reaches the caller as it is.
QNetworkRequest makeProviderRequest(const QUrl &url);

} // namespace signalbox::engine
