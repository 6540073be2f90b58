#pragma once

#include <Qt>

namespace signalbox::models {

// Roles of NavigationModel.
enum NavigationRole : int {
    PageIdRole = Qt::UserRole + 1,  // QString, stable across versions (settings key)
    PageSummaryRole,                // QString, one sentence about the page
};

} // namespace signalbox::models
