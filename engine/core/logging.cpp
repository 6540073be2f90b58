#include "engine/core/logging.h"

namespace signalbox::engine {
Q_LOGGING_CATEGORY(lcStorage, "signalbox.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "signalbox.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCatalog, "signalbox.catalog", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRouting, "signalbox.routing", QtInfoMsg)
} // namespace signalbox::engine
