//! Test PKI made with rcgen in a temp dir: a CA, server leaves in every
//! state the doctor must diagnose, and a client CA + client cert for mTLS.
//!
//! All keys are ECDSA P-256. Server leaves are for `localhost` and IP
//! `127.0.0.1` unless said otherwise. Files are PEM; `cert` files hold the
//! leaf only (it is signed directly by its CA, there is no intermediate).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use tempfile::TempDir;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A certificate file and its private key file (both PEM).
#[derive(Clone, Debug)]
pub struct CertPair {
    /// Certificate chain file (the leaf; signed directly by its CA).
    pub cert: PathBuf,
    /// PKCS#8 private key file.
    pub key: PathBuf,
}

/// Every certificate the tests need, as files in one temp dir (removed on Drop).
pub struct TestCerts {
    dir: TempDir,
    /// The test CA that clients are told to trust (`--ca-file`).
    pub ca: PathBuf,
    /// Valid now, `localhost` + `127.0.0.1`, signed by `ca`.
    pub good: CertPair,
    /// not_after is 1 day in the past.
    pub expired: CertPair,
    /// not_before is 1 day in the future.
    pub not_yet_valid: CertPair,
    /// not_after is 3 days from now.
    pub expiring_soon: CertPair,
    /// SAN is only `wrong.example.test` (no localhost, no IP).
    pub wrong_host: CertPair,
    /// Signed by `unknown_ca_root`, which clients are NOT given.
    pub unknown_ca: CertPair,
    /// The second CA that signed `unknown_ca` (do not hand it to clients).
    pub unknown_ca_root: PathBuf,
    /// A CA with `ca`'s name but a new key: `ca` re-created (clients given it reject `good`).
    pub rotated_ca: PathBuf,
    /// CA that nginx uses to verify client certificates (`ssl_client_certificate`).
    pub client_ca: PathBuf,
    /// Client certificate + key signed by `client_ca`, for mTLS.
    pub client: CertPair,
    /// Client certificate + key signed by `ca` (not `client_ca`): rejected by mTLS fronts.
    pub client_untrusted: CertPair,
    /// Self-signed, `localhost` + `127.0.0.1`, basic constraints CA:TRUE and no key usage
    /// extensions: what `openssl req -x509` makes by default. Clients are given the same file.
    pub self_signed_ca: CertPair,
}

impl TestCerts {
    /// Generates all certificates into a fresh temp dir.
    pub fn generate() -> TestCerts {
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-certs-")
            .tempdir()
            .expect("create a temp dir for test certificates");
        let d = dir.path();
        let ca = Ca::new("otlp-doctor test CA");
        let rogue = Ca::new("otlp-doctor unknown CA");
        let client_ca = Ca::new("otlp-doctor client CA");
        let server_names = || vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let valid = Window {
            not_before: -days(1),
            not_after: days(365),
        };

        let ca_path = write(d, "ca.pem", &ca.pem);
        let rogue_path = write(d, "unknown-ca-root.pem", &rogue.pem);
        let rotated_path = write(d, "rotated-ca.pem", &Ca::new("otlp-doctor test CA").pem);
        let client_ca_path = write(d, "client-ca.pem", &client_ca.pem);

        let good = ca.leaf(d, "good", server_names(), valid, Role::Server);
        let expired = ca.leaf(
            d,
            "expired",
            server_names(),
            Window {
                not_before: -days(30),
                not_after: -days(1),
            },
            Role::Server,
        );
        let not_yet_valid = ca.leaf(
            d,
            "not-yet-valid",
            server_names(),
            Window {
                not_before: days(1),
                not_after: days(30),
            },
            Role::Server,
        );
        let expiring_soon = ca.leaf(
            d,
            "expiring-soon",
            server_names(),
            Window {
                not_before: -days(1),
                not_after: days(3),
            },
            Role::Server,
        );
        let wrong_host = ca.leaf(
            d,
            "wrong-host",
            vec!["wrong.example.test".to_string()],
            valid,
            Role::Server,
        );
        let unknown_ca = rogue.leaf(d, "unknown-ca", server_names(), valid, Role::Server);
        let client = client_ca.leaf(d, "client", vec![], valid, Role::Client);
        let client_untrusted = ca.leaf(d, "client-untrusted", vec![], valid, Role::Client);
        let self_signed_ca = self_signed_ca(d, server_names(), valid);

        TestCerts {
            dir,
            ca: ca_path,
            good,
            expired,
            not_yet_valid,
            expiring_soon,
            wrong_host,
            unknown_ca,
            unknown_ca_root: rogue_path,
            rotated_ca: rotated_path,
            client_ca: client_ca_path,
            client,
            client_untrusted,
            self_signed_ca,
        }
    }

    /// The temp dir holding every file.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

#[derive(Clone, Copy)]
enum Role {
    Server,
    Client,
}

/// A validity window relative to now, in seconds (negative = in the past).
#[derive(Clone, Copy)]
struct Window {
    not_before: i64,
    not_after: i64,
}

fn days(n: i64) -> i64 {
    n * DAY.as_secs() as i64
}

/// Sets not_before/not_after to now + the window's offsets. rcgen does not
/// re-export `time`, so "now" is built from rcgen's own epoch helper.
fn set_validity(params: &mut CertificateParams, window: Window) {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("system clock is after 1970");
    let now = rcgen::date_time_ymd(1970, 1, 1) + since_epoch;
    let shift = |secs: i64| {
        let d = Duration::from_secs(secs.unsigned_abs());
        if secs >= 0 { now + d } else { now - d }
    };
    params.not_before = shift(window.not_before);
    params.not_after = shift(window.not_after);
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "otlp-doctor tests");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// The parameters of a CA certificate: no SANs, CA:TRUE without a path length limit.
fn ca_params(
    common_name: &str,
    key_usages: Vec<KeyUsagePurpose>,
    window: Window,
) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty SAN list is valid");
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = key_usages;
    set_validity(&mut params, window);
    params
}

/// A self-signed CA able to sign leaves.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn new(common_name: &str) -> Ca {
        let key = KeyPair::generate().expect("generate CA key pair");
        let params = ca_params(
            common_name,
            vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ],
            Window {
                not_before: -days(60),
                not_after: days(3650),
            },
        );
        let cert = params.self_signed(&key).expect("self-sign CA certificate");
        Ca {
            issuer: Issuer::new(params, key),
            pem: cert.pem(),
        }
    }

    /// A CA signed by this one.
    fn intermediate(&self, common_name: &str) -> Ca {
        let key = KeyPair::generate().expect("generate intermediate key pair");
        let mut params = ca_params(
            common_name,
            vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::DigitalSignature,
            ],
            Window {
                not_before: -days(2),
                not_after: days(365),
            },
        );
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign intermediate certificate");
        Ca {
            issuer: Issuer::new(params, key),
            pem: cert.pem(),
        }
    }

    /// Issues a leaf, writes `<stem>.pem` and `<stem>-key.pem` into `dir`.
    fn leaf(
        &self,
        dir: &Path,
        stem: &str,
        sans: Vec<String>,
        window: Window,
        role: Role,
    ) -> CertPair {
        self.leaf_with(dir, stem, sans, window, role, Vec::new())
    }

    /// A server leaf for `localhost` and `127.0.0.1`, valid for the next 30 days.
    fn localhost_server(
        &self,
        dir: &Path,
        stem: &str,
        extensions: Vec<CustomExtension>,
    ) -> CertPair {
        let sans = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let window = Window {
            not_before: -days(1),
            not_after: days(30),
        };
        self.leaf_with(dir, stem, sans, window, Role::Server, extensions)
    }

    /// [`Ca::leaf`] with extra (non-critical) extensions.
    fn leaf_with(
        &self,
        dir: &Path,
        stem: &str,
        sans: Vec<String>,
        window: Window,
        role: Role,
        extensions: Vec<CustomExtension>,
    ) -> CertPair {
        let key = KeyPair::generate().expect("generate leaf key pair");
        let cn = sans
            .first()
            .cloned()
            .unwrap_or_else(|| format!("otlp-doctor {stem}"));
        let mut params = CertificateParams::new(sans).expect("valid subject alt names");
        params.distinguished_name = name(&cn);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![match role {
            Role::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Role::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        params.use_authority_key_identifier_extension = true;
        params.custom_extensions = extensions;
        set_validity(&mut params, window);
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("sign leaf certificate");
        CertPair {
            cert: write(dir, &format!("{stem}.pem"), &cert.pem()),
            key: write(dir, &format!("{stem}-key.pem"), &key.serialize_pem()),
        }
    }
}

/// A server certificate for `localhost`/`127.0.0.1` behind `intermediates` CAs, each signed by the
/// one before, the first by a root: `<dir>/long-chain.pem` holds the leaf and every intermediate
/// (as a server sends them), `<dir>/long-chain-root.pem` the root to trust. A hostile peer: no
/// real chain is longer than a few certificates.
pub fn long_chain(dir: &Path, intermediates: usize) -> (CertPair, PathBuf) {
    let root = Ca::new("otlp-doctor long-chain root");
    let root_path = write(dir, "long-chain-root.pem", &root.pem);
    let mut chain_pems = Vec::new();
    let mut issuer = root;
    for index in 0..intermediates {
        let next = issuer.intermediate(&format!("otlp-doctor intermediate {index}"));
        chain_pems.push(next.pem.clone());
        issuer = next;
    }
    let leaf = issuer.localhost_server(dir, "long-chain-leaf", Vec::new());
    let mut bundle = fs::read_to_string(&leaf.cert).expect("the leaf");
    chain_pems.iter().rev().for_each(|pem| bundle.push_str(pem));
    let chain = CertPair {
        cert: write(dir, "long-chain.pem", &bundle),
        key: leaf.key,
    };
    (chain, root_path)
}

/// A server certificate for `localhost`/`127.0.0.1` padded to over `bytes` by an unknown,
/// non-critical extension (`<dir>/huge.pem`), and its CA (`<dir>/huge-root.pem`). A hostile
/// peer: real certificates are a few kilobytes.
pub fn huge_certificate(dir: &Path, bytes: usize) -> (CertPair, PathBuf) {
    let ca = Ca::new("otlp-doctor huge-certificate CA");
    let root_path = write(dir, "huge-root.pem", &ca.pem);
    // An OID under the "example" arc (2.999), which no verifier knows.
    let padding = CustomExtension::from_oid_content(&[2, 999, 1], vec![0; bytes]);
    let leaf = ca.localhost_server(dir, "huge", vec![padding]);
    (leaf, root_path)
}

/// `openssl req -x509`'s default: self-signed, CA:TRUE, the names in subjectAltName.
fn self_signed_ca(dir: &Path, sans: Vec<String>, window: Window) -> CertPair {
    let key = KeyPair::generate().expect("generate key pair");
    let mut params = CertificateParams::new(sans).expect("valid subject alt names");
    params.distinguished_name = name("localhost");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    set_validity(&mut params, window);
    let cert = params.self_signed(&key).expect("self-sign");
    CertPair {
        cert: write(dir, "self-signed-ca.pem", &cert.pem()),
        key: write(dir, "self-signed-ca-key.pem", &key.serialize_pem()),
    }
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}
