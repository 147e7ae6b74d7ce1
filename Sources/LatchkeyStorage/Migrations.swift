import Foundation
import Logging
import SQLKit

/// A numbered schema change, named after what it changes. The SQL is written once and runs on
/// both engines: times are Unix seconds in DOUBLE PRECISION, flags are INTEGER 0/1, ids are
/// lowercase GUID text.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

public enum Migrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "create_sellers_and_api_tokens", statements: [
            """
            CREATE TABLE sellers (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL,
                password_hash TEXT,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY,
                seller_id TEXT NOT NULL REFERENCES sellers(id) ON DELETE CASCADE,
                token_digest TEXT NOT NULL UNIQUE,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
        ]),
        Migration(version: 2, name: "create_clients_and_secrets", statements: [
            """
            CREATE TABLE clients (
                id TEXT PRIMARY KEY,
                seller_id TEXT NOT NULL REFERENCES sellers(id) ON DELETE CASCADE,
                friendly_name TEXT NOT NULL,
                app_domain TEXT NOT NULL,
                redirect_url TEXT NOT NULL,
                availability TEXT NOT NULL,
                secret_validity_years INTEGER NOT NULL,
                signing_secret_id TEXT,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX clients_seller ON clients (seller_id)",
            """
            CREATE TABLE client_secrets (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
                hint TEXT NOT NULL,
                value_digest TEXT NOT NULL,
                sealed_value TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                starts_at DOUBLE PRECISION NOT NULL,
                ends_at DOUBLE PRECISION NOT NULL,
                last_used_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX client_secrets_client ON client_secrets (client_id)",
        ]),
        Migration(version: 3, name: "create_apps", statements: [
            """
            CREATE TABLE apps (
                id TEXT PRIMARY KEY,
                seller_id TEXT NOT NULL REFERENCES sellers(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                markets TEXT NOT NULL,
                requires_server_to_server_auth INTEGER NOT NULL,
                client_id TEXT REFERENCES clients(id) ON DELETE SET NULL,
                status TEXT NOT NULL,
                review_reason TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX apps_seller ON apps (seller_id)",
            "CREATE INDEX apps_status ON apps (status)",
        ]),
        Migration(version: 4, name: "create_audit_log", statements: [
            """
            CREATE TABLE audit_log (
                id TEXT PRIMARY KEY,
                seller_id TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                object_type TEXT NOT NULL,
                object_id TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                source_ip TEXT,
                detail TEXT
            )
            """,
            "CREATE INDEX audit_log_seller_at ON audit_log (seller_id, at)",
        ]),
        Migration(version: 5, name: "create_signing_keys", statements: [
            """
            CREATE TABLE signing_keys (
                kid TEXT PRIMARY KEY,
                algorithm TEXT NOT NULL,
                sealed_private_key TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """
        ]),
        Migration(version: 6, name: "create_key_values", statements: [
            """
            CREATE TABLE key_values (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                expires_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX key_values_expires ON key_values (expires_at)",
        ]),
        Migration(version: 7, name: "create_tenants_users_permissions_consents_and_grants", statements: [
            "ALTER TABLE apps ADD COLUMN permissions TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE apps ADD COLUMN app_only_permissions TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX apps_client ON apps (client_id)",
            """
            CREATE TABLE tenants (
                id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                region TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                email TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                is_admin INTEGER NOT NULL,
                password_hash TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX users_tenant ON users (tenant_id)",
            """
            CREATE TABLE permissions (
                name TEXT PRIMARY KEY,
                description TEXT NOT NULL,
                admin_consent_required INTEGER NOT NULL,
                app_only INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE installations (
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
                installed_at DOUBLE PRECISION NOT NULL,
                installed_by TEXT NOT NULL,
                PRIMARY KEY (tenant_id, app_id)
            )
            """,
            // user_id '' is the tenant-wide consent of an admin.
            """
            CREATE TABLE consents (
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
                permission TEXT NOT NULL,
                granted_at DOUBLE PRECISION NOT NULL,
                granted_by TEXT NOT NULL,
                PRIMARY KEY (tenant_id, app_id, user_id, permission)
            )
            """,
            "CREATE INDEX consents_user ON consents (user_id)",
            """
            CREATE TABLE authorization_codes (
                digest TEXT PRIMARY KEY,
                client_id TEXT NOT NULL,
                app_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                tenant_id TEXT NOT NULL,
                redirect_uri TEXT,
                scopes TEXT NOT NULL,
                nonce TEXT,
                code_challenge TEXT,
                auth_time DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                used_at DOUBLE PRECISION,
                family_id TEXT,
                access_token_id TEXT,
                access_token_expires_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at)",
            """
            CREATE TABLE refresh_tokens (
                id TEXT PRIMARY KEY,
                digest TEXT NOT NULL UNIQUE,
                family_id TEXT NOT NULL,
                client_id TEXT NOT NULL,
                app_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                tenant_id TEXT NOT NULL,
                scopes TEXT NOT NULL,
                auth_time DOUBLE PRECISION NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                rotated_at DOUBLE PRECISION,
                revoked_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            "CREATE INDEX refresh_tokens_grant ON refresh_tokens (app_id, tenant_id, user_id)",
            "CREATE INDEX refresh_tokens_client ON refresh_tokens (client_id)",
            """
            CREATE TABLE revoked_access_tokens (
                id TEXT PRIMARY KEY,
                expires_at DOUBLE PRECISION NOT NULL
            )
            """,
        ]),
        Migration(version: 8, name: "add_clients_id_token_signed_response_alg_and_public_client", statements: [
            "ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'ES256'",
            "ALTER TABLE clients ADD COLUMN public_client INTEGER NOT NULL DEFAULT 0",
        ]),
        // The outbox of signed events: written in the transaction of the change it reports,
        // delivered (and retried) by whichever node claims it first.
        Migration(version: 9, name: "add_apps_events_url_and_event_deliveries", statements: [
            "ALTER TABLE apps ADD COLUMN events_url TEXT",
            """
            CREATE TABLE event_deliveries (
                id TEXT PRIMARY KEY,
                app_id TEXT NOT NULL,
                seller_id TEXT NOT NULL,
                tenant_id TEXT NOT NULL,
                type TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at DOUBLE PRECISION,
                last_attempt_at DOUBLE PRECISION,
                last_result TEXT
            )
            """,
            "CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt_at)",
            "CREATE INDEX event_deliveries_app ON event_deliveries (app_id, created_at)",
        ]),
        // Change notices on SQLite, where a CLI command in another process writes to the file a
        // running server reads (PostgreSQL carries them by NOTIFY and leaves this table empty).
        // INTEGER PRIMARY KEY is SQLite's rowid: each insert takes the next number.
        Migration(version: 10, name: "create_change_notices", statements: [
            "CREATE TABLE change_notices (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)"
        ]),
        // Revocation rules for the resource servers' feed, kept for an access token's lifetime.
        Migration(version: 11, name: "create_revocations", statements: [
            """
            CREATE TABLE revocations (
                id TEXT PRIMARY KEY,
                created_at DOUBLE PRECISION NOT NULL,
                token_id TEXT,
                client_id TEXT,
                tenant_id TEXT,
                subject TEXT,
                issued_before DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX revocations_created ON revocations (created_at)",
        ]),
        // Expiry notices: each seller's webhook, and one row per (secret, threshold) sent, whose
        // key keeps two nodes from queuing the same notice.
        Migration(version: 12, name: "create_seller_webhooks_and_expiry_notices", statements: [
            """
            CREATE TABLE seller_webhooks (
                seller_id TEXT PRIMARY KEY REFERENCES sellers(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                sealed_secret TEXT NOT NULL,
                secret_hint TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE expiry_notices (
                secret_id TEXT NOT NULL,
                threshold_days INTEGER NOT NULL,
                delivery_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (secret_id, threshold_days)
            )
            """,
            "CREATE INDEX client_secrets_ends ON client_secrets (ends_at)",
            "CREATE INDEX event_deliveries_seller ON event_deliveries (seller_id, created_at)",
        ]),
        // Hardening: sessions are kept under the digest of their id (the ones stored under the
        // id itself are dropped: everyone signs in again); API tokens expire (those issued
        // before expire 30 days after they were issued); an app's revision is what an operator approves; an
        // operator marks the clients of the platform's own APIs; revocation rules can name a
        // client secret.
        Migration(version: 13, name: "hash_sessions_expire_api_tokens_app_revisions_resource_servers", statements: [
            "DELETE FROM key_values",
            "ALTER TABLE api_tokens ADD COLUMN expires_at DOUBLE PRECISION",
            "UPDATE api_tokens SET expires_at = created_at + 2592000",
            "ALTER TABLE apps ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE clients ADD COLUMN resource_server INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE revocations ADD COLUMN secret_id TEXT",
            "CREATE INDEX api_tokens_seller ON api_tokens (seller_id)",
        ]),
        // The revocation feed pages by a strictly increasing sequence instead of by time: rules
        // sharing a moment no longer hold a page in place. Rules kept get their order by time.
        Migration(version: 14, name: "revocation_sequence", statements: [
            "ALTER TABLE revocations ADD COLUMN seq BIGINT",
            """
            UPDATE revocations SET seq = (
                SELECT COUNT(*) FROM revocations earlier
                WHERE earlier.created_at < revocations.created_at OR (earlier.created_at = revocations.created_at AND earlier.id <= revocations.id)
            )
            """,
            "CREATE UNIQUE INDEX revocations_seq ON revocations (seq)",
        ]),
        // PKCE for every client by default (OAuth 2.1); a confidential client of an earlier era
        // may be allowed without it.
        Migration(version: 15, name: "add_clients_pkce_optional", statements: [
            "ALTER TABLE clients ADD COLUMN pkce_optional INTEGER NOT NULL DEFAULT 0"
        ]),
        // Tenants' own OpenID providers and email domains; a user of a provider is found by the
        // provider's subject and has no password (docs/federation.md).
        Migration(version: 16, name: "create_identity_providers_and_domains", statements: [
            """
            CREATE TABLE identity_providers (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                issuer TEXT NOT NULL,
                client_id TEXT NOT NULL,
                sealed_client_secret TEXT NOT NULL,
                scopes TEXT NOT NULL,
                claims TEXT NOT NULL,
                allow_linking INTEGER NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX identity_providers_tenant ON identity_providers (tenant_id)",
            """
            CREATE TABLE tenant_domains (
                domain TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                verified_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX tenant_domains_tenant ON tenant_domains (tenant_id)",
            "ALTER TABLE users ADD COLUMN identity_provider_id TEXT",
            "ALTER TABLE users ADD COLUMN upstream_subject TEXT",
            "CREATE UNIQUE INDEX users_upstream_subject ON users (identity_provider_id, upstream_subject)",
            // How the user signed in, for the ID tokens a code or refresh token brings (idp, amr).
            "ALTER TABLE authorization_codes ADD COLUMN idp TEXT",
            "ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE refresh_tokens ADD COLUMN idp TEXT",
            "ALTER TABLE refresh_tokens ADD COLUMN amr TEXT NOT NULL DEFAULT ''",
            // Where an app may send users after signing them out (RP-Initiated Logout).
            "ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT ''",
            // Where a user's sign-out is told (Back-Channel Logout), and the session it ends.
            "ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT",
            "ALTER TABLE authorization_codes ADD COLUMN sid TEXT",
            "ALTER TABLE refresh_tokens ADD COLUMN sid TEXT",
        ]),
    ]

    /// Applies every migration not yet recorded, each in its own transaction with its record.
    /// On PostgreSQL an advisory lock keeps two nodes starting at once from racing.
    /// The newest schema migration applied (re-sealings, numbered from 1000, left out); `nil`
    /// when none is. Throws when the database has no migrations table: not Latchkey's.
    public static func schemaVersion(_ provider: any DatabaseProvider) async throws -> Int? {
        try await provider.read { db in
            try await db.raw("SELECT MAX(version) AS version FROM latchkey_migrations WHERE version < 1000").first()?.decode(column: "version", as: Int?.self)
        }
    }

    @discardableResult
    public static func migrate(_ provider: any DatabaseProvider, logger: Logger) async throws -> [String] {
        try await provider.transaction { db in
            try await lockAgainstOtherNodes(db, engine: provider.engine)
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS latchkey_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
            ).run()
        }
        var applied: [String] = []
        for migration in all {
            let ran = try await provider.transaction { db in
                try await lockAgainstOtherNodes(db, engine: provider.engine)
                let done = try await db.select().column("version").from("latchkey_migrations")
                    .where("version", .equal, migration.version).first()
                guard done == nil else { return false }
                for statement in migration.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.insert(into: "latchkey_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date().timeIntervalSince1970))
                    .run()
                return true
            }
            if ran {
                logger.debug("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                applied.append("\(migration.version)_\(migration.name)")
            }
        }
        return applied
    }

    /// PostgreSQL: a transaction-scoped advisory lock, so that nodes starting together migrate
    /// one after the other. SQLite's BEGIN IMMEDIATE already excludes other writers.
    static func lockAgainstOtherNodes(_ db: any SQLDatabase, engine: DatabaseEngine) async throws {
        if engine == .postgres {
            try await db.raw("SELECT pg_advisory_xact_lock(7215001)").run()
        }
    }
}
