#include "engine/storage/schema.h"

#include <vector>

namespace signalbox::engine {

std::span<const Migration> workspaceMigrations()
{
    static const std::vector<Migration> migrations = {
        {1,
         QStringLiteral("workspace metadata"),
         {
             QStringLiteral("CREATE TABLE workspace_meta ("
                            " key TEXT PRIMARY KEY NOT NULL,"
                            " value TEXT NOT NULL)"),
             QStringLiteral("INSERT INTO workspace_meta(key, value) VALUES"
                            " ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"),
         }},
    };
    return migrations;
}

} // namespace signalbox::engine
