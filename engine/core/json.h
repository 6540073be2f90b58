#pragma once

#include <QJsonValue>
#include <QString>

namespace signalbox::engine {

// How error messages name a JSON value's type: "a number", "an object",
// "missing" (undefined: the field is absent). Shared by every strict importer
// so their messages read alike.
QString jsonTypeName(const QJsonValue &value);

} // namespace signalbox::engine
