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
        // The usage log: one row per request, written by engine/usage's single
        // writer (docs/usage-log.md). Times are integer milliseconds since the
        // epoch (UTC): reports filter ranges over millions of rows, and an
        // integer index is smaller and compares faster than ISO text. Cost is
        // exact, Money's nanodollars + attodollars; NULL is unpriced, never 0.
        // seq is the rowid, named so that VACUUM keeps it: the order rows were
        // committed, the cursor of `usage tail`. No foreign key to
        // virtual_keys: a record outlives its key, and the writer must never
        // fail on one. typeof() checks keep text out of number columns, which
        // SQLite would otherwise accept (and 'abc' >= 0 holds).
        {4,
         QStringLiteral("usage log"),
         {
             QStringLiteral("CREATE TABLE usage_requests ("
                            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                            " id TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 128),"
                            " key_id TEXT NOT NULL DEFAULT '' CHECK (length(key_id) <= 64),"
                            " project TEXT NOT NULL DEFAULT '' CHECK (length(project) <= 100),"
                            " started_at_ms INTEGER NOT NULL"
                            "  CHECK (typeof(started_at_ms) = 'integer' AND started_at_ms BETWEEN 0 AND 253402300799999),"
                            " finished_at_ms INTEGER NOT NULL"
                            "  CHECK (typeof(finished_at_ms) = 'integer' AND finished_at_ms BETWEEN 0 AND 253402300799999),"
                            " endpoint TEXT NOT NULL DEFAULT '' CHECK (length(endpoint) <= 200),"
                            " requested_model TEXT NOT NULL DEFAULT '' CHECK (length(requested_model) <= 300),"
                            " served_model TEXT NOT NULL DEFAULT '' CHECK (length(served_model) <= 300),"
                            " served_provider TEXT NOT NULL DEFAULT '' CHECK (length(served_provider) <= 64),"
                            " served_provider_model TEXT NOT NULL DEFAULT '' CHECK (length(served_provider_model) <= 300),"
                            " status TEXT NOT NULL CHECK (status IN ('ok', 'upstream_error', 'gateway_error',"
                            "                                        'client_error', 'cancelled', 'timeout')),"
                            " http_status INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(http_status) = 'integer' AND (http_status = 0 OR http_status BETWEEN 100 AND 599)),"
                            " error_class TEXT NOT NULL DEFAULT '' CHECK (length(error_class) <= 64),"
                            " error_message TEXT NOT NULL DEFAULT '' CHECK (length(error_message) <= 1000),"
                            " prompt_tokens INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(prompt_tokens) = 'integer' AND prompt_tokens >= 0),"
                            " completion_tokens INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(completion_tokens) = 'integer' AND completion_tokens >= 0),"
                            " cached_tokens INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(cached_tokens) = 'integer' AND cached_tokens >= 0),"
                            " cache_write_tokens INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(cache_write_tokens) = 'integer' AND cache_write_tokens >= 0),"
                            " reasoning_tokens INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(reasoning_tokens) = 'integer' AND reasoning_tokens >= 0),"
                            " tokens_estimated INTEGER NOT NULL DEFAULT 0 CHECK (tokens_estimated IN (0, 1)),"
                            " cost_nanos INTEGER CHECK (cost_nanos IS NULL"
                            "  OR (typeof(cost_nanos) = 'integer' AND cost_nanos >= 0)),"
                            " cost_attos INTEGER CHECK (cost_attos IS NULL"
                            "  OR (typeof(cost_attos) = 'integer' AND cost_attos BETWEEN 0 AND 999999999)),"
                            " latency_us INTEGER NOT NULL DEFAULT 0 CHECK (typeof(latency_us) = 'integer' AND latency_us >= 0),"
                            " ttft_us INTEGER CHECK (ttft_us IS NULL OR (typeof(ttft_us) = 'integer' AND ttft_us >= 0)),"
                            " overhead_us INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(overhead_us) = 'integer' AND overhead_us >= 0),"
                            " stream INTEGER NOT NULL DEFAULT 0 CHECK (stream IN (0, 1)),"
                            " route_reason TEXT NOT NULL DEFAULT '' CHECK (length(route_reason) <= 500),"
                            " CHECK ((cost_nanos IS NULL) = (cost_attos IS NULL)))"),
             // Every index also holds seq (the rowid), so (started_at_ms, seq)
             // pages without a sort.
             QStringLiteral("CREATE INDEX usage_requests_started ON usage_requests(started_at_ms)"),
             QStringLiteral("CREATE INDEX usage_requests_key ON usage_requests(key_id, started_at_ms)"),
             QStringLiteral("CREATE INDEX usage_requests_project ON usage_requests(project, started_at_ms)"),
             // Clustered by request: a request's attempts sit together, and the
             // primary key is the index ON DELETE CASCADE needs.
             QStringLiteral("CREATE TABLE usage_attempts ("
                            " request_id TEXT NOT NULL REFERENCES usage_requests(id) ON DELETE CASCADE,"
                            " attempt INTEGER NOT NULL CHECK (typeof(attempt) = 'integer' AND attempt >= 0),"
                            " provider_id TEXT NOT NULL DEFAULT '' CHECK (length(provider_id) <= 64),"
                            " provider_model_id TEXT NOT NULL DEFAULT '' CHECK (length(provider_model_id) <= 300),"
                            " outcome TEXT NOT NULL DEFAULT '' CHECK (length(outcome) <= 64),"
                            " http_status INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(http_status) = 'integer' AND (http_status = 0 OR http_status BETWEEN 100 AND 599)),"
                            " duration_us INTEGER NOT NULL DEFAULT 0"
                            "  CHECK (typeof(duration_us) = 'integer' AND duration_us >= 0),"
                            " may_have_been_billed INTEGER NOT NULL DEFAULT 0 CHECK (may_have_been_billed IN (0, 1)),"
                            " PRIMARY KEY (request_id, attempt)) WITHOUT ROWID"),
         }},
        // A counter every change of the configuration bumps — catalog user
        // data and virtual keys, whoever writes them (the console, the CLI,
        // `config apply`, a script with sqlite3) — so a running gateway sees
        // it with one cheap read (Workspace::configVersion()) and reloads.
        // Triggers run inside the writer's transaction: a rolled-back apply
        // leaves the counter as it was.
        {5,
         QStringLiteral("configuration version"),
         {
             QStringLiteral("INSERT INTO workspace_meta(key, value) VALUES ('config_version', '1')"),
             QStringLiteral("CREATE TRIGGER catalog_custom_providers_insert_bumps_config AFTER INSERT ON catalog_custom_providers"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_custom_providers_update_bumps_config AFTER UPDATE ON catalog_custom_providers"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_custom_providers_delete_bumps_config AFTER DELETE ON catalog_custom_providers"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_custom_offerings_insert_bumps_config AFTER INSERT ON catalog_custom_offerings"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_custom_offerings_update_bumps_config AFTER UPDATE ON catalog_custom_offerings"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_custom_offerings_delete_bumps_config AFTER DELETE ON catalog_custom_offerings"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_price_overrides_insert_bumps_config AFTER INSERT ON catalog_price_overrides"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_price_overrides_update_bumps_config AFTER UPDATE ON catalog_price_overrides"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_price_overrides_delete_bumps_config AFTER DELETE ON catalog_price_overrides"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_aliases_insert_bumps_config AFTER INSERT ON catalog_aliases"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_aliases_update_bumps_config AFTER UPDATE ON catalog_aliases"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER catalog_aliases_delete_bumps_config AFTER DELETE ON catalog_aliases"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER virtual_keys_insert_bumps_config AFTER INSERT ON virtual_keys"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER virtual_keys_update_bumps_config AFTER UPDATE ON virtual_keys"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
             QStringLiteral("CREATE TRIGGER virtual_keys_delete_bumps_config AFTER DELETE ON virtual_keys"
                            " BEGIN UPDATE workspace_meta SET value = CAST(value AS INTEGER) + 1"
                            " WHERE key = 'config_version'; END"),
         }},
    };
    return migrations;
}

} // namespace signalbox::engine
