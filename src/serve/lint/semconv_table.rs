//! Deprecated semantic-convention attribute keys and their replacements, as data.
//!
//! Every row was checked against the `open-telemetry/semantic-conventions` repository: `since` is
//! the first release whose model marks the key deprecated (by `stability: deprecated` before
//! v1.24.0, a `deprecated:` text or struct after), `source` is that model file at that release,
//! and `replacements` are the `renamed_to` (or the note) of the key in the v1.44.0 model, which
//! may differ from what the first deprecation said (`net.sock.peer.addr` first pointed to
//! `server.socket.address`). The HTTP rows also appear in the HTTP migration guide
//! (docs/non-normative/http-migration.md), the database rows in db-migration.md.
//!
//! Left out on purpose: `enduser.id` (deprecated in v1.27.0 for `user.id`, undeprecated again in
//! v1.31.0, semantic-conventions#1104), and keys that are current (`messaging.destination.name`,
//! `exception.*`, `k8s.*`).

/// One deprecated attribute key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Deprecation {
    pub key: &'static str,
    /// The keys that replace it (two when a key was split).
    pub replacements: &'static [&'static str],
    /// When the replacement depends on context; empty otherwise.
    pub note: &'static str,
    /// The semantic-conventions release that first marked the key deprecated.
    pub since: &'static str,
    /// The `OTEL_SEMCONV_STABILITY_OPT_IN` value instrumentations accept for this migration.
    pub opt_in: Option<&'static str>,
    /// The model file (at `since`) that marks it deprecated.
    pub source: &'static str,
}

const HTTP_V1_21: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.21.0/model/deprecated/http.yaml";
const NETWORK_V1_21: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.21.0/model/deprecated/network.yaml";
const HTTP_V1_24: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.24.0/model/registry/deprecated/http.yaml";
const HTTP_V1_26: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.26.0/model/registry/deprecated/http.yaml";
const DB_V1_26: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.26.0/model/registry/deprecated/db.yaml";
const DB_V1_30: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.30.0/model/database/deprecated/registry-deprecated.yaml";
const CODE_V1_30: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.30.0/model/code/registry-deprecated.yaml";
const DEPLOYMENT_V1_27: &str = "https://github.com/open-telemetry/semantic-conventions/blob/v1.27.0/model/registry/deprecated/deployment.yaml";

const HTTP: Option<&str> = Some("http");
const DATABASE: Option<&str> = Some("database");
const CODE: Option<&str> = Some("code");

macro_rules! row {
    ($key:literal => [$($new:literal),+], $since:literal, $opt_in:expr, $source:expr $(, $note:literal)?) => {
        Deprecation {
            key: $key,
            replacements: &[$($new),+],
            note: row!(@note $($note)?),
            since: $since,
            opt_in: $opt_in,
            source: $source,
        }
    };
    (@note $note:literal) => { $note };
    (@note) => { "" };
}

/// The table, grouped by area.
pub(super) const DEPRECATIONS: &[Deprecation] = &[
    // HTTP, stable since v1.23.0.
    row!("http.method" => ["http.request.method"], "v1.21.0", HTTP, HTTP_V1_21),
    row!("http.status_code" => ["http.response.status_code"], "v1.21.0", HTTP, HTTP_V1_21),
    row!("http.url" => ["url.full"], "v1.21.0", HTTP, HTTP_V1_21),
    row!("http.target" => ["url.path", "url.query"], "v1.21.0", HTTP, HTTP_V1_21, "split into the path and the query string"),
    row!("http.scheme" => ["url.scheme"], "v1.21.0", HTTP, HTTP_V1_21),
    row!("http.user_agent" => ["user_agent.original"], "v1.24.0", HTTP, HTTP_V1_24),
    row!("http.client_ip" => ["client.address"], "v1.26.0", HTTP, HTTP_V1_26),
    row!("http.server_name" => ["server.address"], "v1.26.0", HTTP, HTTP_V1_26),
    // Networking, migrated together with HTTP.
    row!("net.peer.name" => ["server.address", "client.address"], "v1.21.0", HTTP, NETWORK_V1_21, "server.address on client spans, client.address on server spans"),
    row!("net.peer.port" => ["server.port", "client.port"], "v1.21.0", HTTP, NETWORK_V1_21, "server.port on client spans, client.port on server spans"),
    row!("net.host.name" => ["server.address"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.host.port" => ["server.port"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.sock.peer.addr" => ["network.peer.address"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.sock.peer.port" => ["network.peer.port"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.protocol.name" => ["network.protocol.name"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.protocol.version" => ["network.protocol.version"], "v1.21.0", HTTP, NETWORK_V1_21),
    row!("net.transport" => ["network.transport"], "v1.21.0", HTTP, NETWORK_V1_21),
    // Database.
    row!("db.statement" => ["db.query.text"], "v1.26.0", DATABASE, DB_V1_26),
    row!("db.name" => ["db.namespace"], "v1.26.0", DATABASE, DB_V1_26),
    row!("db.operation" => ["db.operation.name"], "v1.26.0", DATABASE, DB_V1_26),
    row!("db.system" => ["db.system.name"], "v1.30.0", DATABASE, DB_V1_30),
    // Code.
    row!("code.function" => ["code.function.name"], "v1.30.0", CODE, CODE_V1_30, "code.function.name holds the fully qualified name, namespace included"),
    row!("code.filepath" => ["code.file.path"], "v1.30.0", CODE, CODE_V1_30),
    row!("code.lineno" => ["code.line.number"], "v1.30.0", CODE, CODE_V1_30),
    row!("code.column" => ["code.column.number"], "v1.30.0", CODE, CODE_V1_30),
    // Resources.
    row!("deployment.environment" => ["deployment.environment.name"], "v1.27.0", None, DEPLOYMENT_V1_27),
];

/// The row for a deprecated key.
pub(super) fn lookup(key: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS.iter().find(|row| row.key == key)
}
