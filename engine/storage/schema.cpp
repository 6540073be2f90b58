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
        // Catalog user data: what the user adds to or changes in the catalog,
        // kept apart from the catalog itself so that every refresh of the
        // bundled or fetched catalog is followed by re-applying it (see
        // docs/catalog-user-data.md). API keys are never stored: a provider
        // names where its key is (an environment variable, a file, the
        // system keychain) or that it needs none. Prices are the JSON arrays
        // of engine/catalog/priceschedulejson.h (parsed strictly by the store;
        // the CHECK avoids json_valid(), which an SQLite built without JSON lacks).
        {2,
         QStringLiteral("catalog user data"),
         {
             QStringLiteral("CREATE TABLE catalog_custom_providers ("
                            " id TEXT PRIMARY KEY NOT NULL"
                            "  CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9._-]*'"
                            "         AND substr(id, 1, 1) GLOB '[a-z0-9]'),"
                            " name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),"
                            " base_url TEXT NOT NULL"
                            "  CHECK (length(base_url) <= 2048"
                            "         AND (base_url LIKE 'http://_%' OR base_url LIKE 'https://_%')),"
                            " dialect TEXT NOT NULL CHECK (dialect IN ('openai', 'anthropic')),"
                            " key_kind TEXT NOT NULL CHECK (key_kind IN ('none', 'env', 'file', 'keychain')),"
                            " key_ref TEXT NOT NULL DEFAULT '' CHECK (length(key_ref) <= 1024),"
                            " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
                            " CHECK (key_kind <> 'none' OR key_ref = ''),"
                            " CHECK (key_kind <> 'file' OR key_ref <> ''),"
                            " CHECK (key_kind <> 'env' OR (key_ref <> '' AND key_ref NOT GLOB '*[^A-Z0-9_]*'"
                            "                              AND substr(key_ref, 1, 1) GLOB '[A-Z_]')))"),
             QStringLiteral("CREATE TABLE catalog_custom_offerings ("
                            " provider_id TEXT NOT NULL"
                            "  REFERENCES catalog_custom_providers(id) ON DELETE CASCADE ON UPDATE CASCADE,"
                            " provider_model_id TEXT NOT NULL CHECK (length(provider_model_id) BETWEEN 1 AND 300),"
                            " model_id TEXT NOT NULL"
                            "  CHECK (length(model_id) BETWEEN 1 AND 300 AND model_id = lower(model_id)),"
                            " name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),"
                            " context_length INTEGER NOT NULL DEFAULT 0 CHECK (context_length >= 0),"
                            " max_output INTEGER NOT NULL DEFAULT 0 CHECK (max_output >= 0),"
                            " price_json TEXT NOT NULL DEFAULT '[]' CHECK (substr(price_json, 1, 1) = '['),"
                            " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
                            " PRIMARY KEY (provider_id, provider_model_id))"),
             QStringLiteral("CREATE INDEX catalog_custom_offerings_model ON catalog_custom_offerings(model_id)"),
             // No foreign key: an override names an offering of the catalog,
             // which lives outside the database and may drop it for a while.
             QStringLiteral("CREATE TABLE catalog_price_overrides ("
                            " provider_id TEXT NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),"
                            " provider_model_id TEXT NOT NULL CHECK (length(provider_model_id) BETWEEN 1 AND 300),"
                            " adjustment_bp INTEGER CHECK (adjustment_bp BETWEEN -10000 AND 100000),"
                            " price_json TEXT CHECK (price_json IS NULL OR substr(price_json, 1, 1) = '['),"
                            " note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),"
                            " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
                            " PRIMARY KEY (provider_id, provider_model_id),"
                            " CHECK ((adjustment_bp IS NULL) <> (price_json IS NULL)))"),
             QStringLiteral("CREATE TABLE catalog_aliases ("
                            " alias TEXT PRIMARY KEY NOT NULL"
                            "  CHECK (length(alias) BETWEEN 1 AND 300 AND alias = lower(alias)),"
                            " model_id TEXT NOT NULL"
                            "  CHECK (length(model_id) BETWEEN 1 AND 300 AND model_id = lower(model_id)),"
                            " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
                            " CHECK (alias <> model_id))"),
         }},
        {3,
         QStringLiteral("virtual keys"),
         {
             // The secret itself is never stored: only its SHA-256. The id is
             // the public part of the key, so a lookup needs no scan.
             QStringLiteral("CREATE TABLE virtual_keys ("
                            " id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 12),"
                            " name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 100),"
                            " project TEXT NOT NULL DEFAULT '' CHECK (length(project) <= 100),"
                            " secret_sha256 BLOB NOT NULL CHECK (length(secret_sha256) = 32),"
                            " created_at TEXT NOT NULL,"
                            " expires_at TEXT,"
                            " revoked_at TEXT)"),
         }},
    };
    return migrations;
}

} // namespace signalbox::engine
