#pragma once

// Byte-exact edits of a JSON object's top-level members. The gateway passes a
// client's request body to the provider untouched except for the few fields
// Signalbox owns (model, routing fields, usage options), and adds `cost` to a
// provider's usage object without touching anything else: re-serialising the
// whole document through a JSON library would reformat numbers (a 64-bit
// `seed`, long decimals in logprobs) and cost time on every request.
//
// The scanner trusts that its input is valid JSON (the gateway parses every
// body with QJsonDocument first); on anything else it returns nullopt.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>

namespace signalbox::engine {

struct JsonMember {
    QByteArrayView key;   // the raw key between its quotes (escapes not decoded)
    QByteArrayView value; // the raw value text: "…", {…}, […], a number or a literal
};

// The members of the top-level object in `json`, in order; nullopt if `json`
// is not an object.
std::optional<QList<JsonMember>> jsonObjectMembers(QByteArrayView json);

// One member to set: `value` is raw JSON text, inserted as given.
struct JsonEdit {
    QByteArrayView key;
    QByteArray value; // null QByteArray: remove the member
};

// `json` (an object) with each edit applied: an existing member is replaced in
// place (or removed), a missing one is appended. Every other member keeps its
// bytes. nullopt if `json` is not an object.
std::optional<QByteArray> jsonObjectWithEdits(QByteArrayView json, const QList<JsonEdit> &edits);

// A JSON string literal for `text` (UTF-8), quotes included.
QByteArray jsonQuoted(QByteArrayView text);

} // namespace signalbox::engine
