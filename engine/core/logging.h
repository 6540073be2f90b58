#pragma once

#include <QLoggingCategory>

// One logging category per engine area. Enable with e.g.
// QT_LOGGING_RULES="signalbox.storage.debug=true".
namespace signalbox::engine {
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcGateway)
Q_DECLARE_LOGGING_CATEGORY(lcCatalog)
Q_DECLARE_LOGGING_CATEGORY(lcRouting)
} // namespace signalbox::engine
