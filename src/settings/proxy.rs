//! Which proxy, if any, an exporter's transport sends through. The exporters do not read the
//! proxy variables themselves: their HTTP or gRPC library does, each in its own way (which
//! variables, which case wins, whether loopback is exempt, how `NO_PROXY` matches). A
//! [`ProxyRule`] is one library's way, as data; `sdk_model` says which library each SDK uses.
//! See docs/research/sdk-proxy.md.

use super::endpoint::{EndpointUrl, Scheme};
use super::env_source::EnvSource;
use std::net::IpAddr;

/// How one transport library picks its proxy from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRule {
    /// The variables naming the proxy for an `https://` endpoint, in the order tried.
    pub for_https: &'static [&'static str],
    /// The variables naming the proxy for an `http://` endpoint, in the order tried.
    pub for_http: &'static [&'static str],
    /// The variables listing hosts that go direct, in the order tried.
    pub no_proxy: &'static [&'static str],
    /// `localhost` and loopback addresses always go direct (Go's httpproxy).
    pub bypasses_loopback: bool,
    /// An empty variable counts as unset and the next one is tried; otherwise it means "no
    /// proxy" and hides the ones after it (reqwest, gRPC core).
    pub empty_is_unset: bool,
    /// `NO_PROXY` entries match as a plain suffix of the host (`ost` covers `localhost`), as
    /// gRPC core and grpc-js do, instead of on a dot boundary.
    pub plain_suffix_no_proxy: bool,
    /// Every request goes through a CONNECT tunnel, plaintext ones too (gRPC clients); an
    /// HTTP library tunnels only `https://` and sends plain requests in absolute form.
    pub always_tunnels: bool,
}

/// A [`ProxyRule`] with who applies it and the source, for the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyReading {
    pub rule: ProxyRule,
    pub reader: String,
}

/// The proxy an export goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    /// The variable it came from and its value as set.
    pub variable: String,
    pub value: String,
    pub host: String,
    pub port: u16,
    /// `user:password` from the URL, sent as `Proxy-Authorization: Basic` (a secret: the
    /// redactor masks it).
    pub userinfo: Option<String>,
    /// CONNECT tunnel (else the request goes to the proxy in absolute form).
    pub tunnel: bool,
    /// Who reads the variable, with the source.
    pub reader: String,
}

impl ProxyRoute {
    /// `host:port`, brackets around IPv6.
    pub fn authority(&self) -> String {
        super::endpoint::authority(&self.host, self.port)
    }
}

/// Why a proxy variable was set but not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRoute {
    /// Nothing set that applies.
    Unset,
    /// The endpoint is exempt: loopback, or listed in this `NO_PROXY` variable.
    Exempt(String),
    /// The value is not an `http://` proxy the library can use.
    Unusable { variable: String, value: String },
}

/// The route `rule` gives an export to `endpoint` under `env`.
pub fn route(
    env: &dyn EnvSource,
    reading: &ProxyReading,
    endpoint: &EndpointUrl,
) -> Result<ProxyRoute, NoRoute> {
    let rule = &reading.rule;
    let names = match endpoint.scheme {
        Scheme::Https => rule.for_https,
        Scheme::Http => rule.for_http,
    };
    let (variable, value) = first_set(env, names, rule.empty_is_unset).ok_or(NoRoute::Unset)?;
    if value.trim().is_empty() {
        return Err(NoRoute::Unset);
    }
    if rule.bypasses_loopback && is_loopback(&endpoint.host) {
        return Err(NoRoute::Exempt("loopback".to_string()));
    }
    if let Some((no_proxy, list)) = first_set(env, rule.no_proxy, true)
        && exempts(&list, &endpoint.host, rule.plain_suffix_no_proxy)
    {
        return Err(NoRoute::Exempt(no_proxy));
    }
    let (host, port, userinfo) = parse_proxy(&value).ok_or_else(|| NoRoute::Unusable {
        variable: variable.clone(),
        value: value.clone(),
    })?;
    Ok(ProxyRoute {
        variable,
        value,
        host,
        port,
        userinfo,
        tunnel: rule.always_tunnels || endpoint.scheme == Scheme::Https,
        reader: reading.reader.clone(),
    })
}

fn first_set(
    env: &dyn EnvSource,
    names: &[&str],
    empty_is_unset: bool,
) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        let value = env.raw(name)?;
        (!empty_is_unset || !value.trim().is_empty()).then(|| (name.to_string(), value))
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `http://host:port`, `host:port` or `http://user:pass@host` (port 80 then), with the user
/// info; `None` for other schemes, which the libraries modelled here refuse or ignore.
fn parse_proxy(value: &str) -> Option<(String, u16, Option<String>)> {
    let value = value.trim();
    let rest = match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some(_) => return None,
        None => value,
    };
    let authority = rest.split('/').next()?;
    let (userinfo, authority) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (Some(userinfo.to_string()), host),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => 80,
    };
    (!host.is_empty()).then(|| (host.to_string(), port, userinfo))
}

/// Whether a `NO_PROXY` list exempts `host`: `*`, an exact name or IP, a CIDR holding the IP,
/// or a domain suffix (on a dot boundary, or a plain suffix for gRPC's libraries).
fn exempts(list: &str, host: &str, plain_suffix: bool) -> bool {
    let host = host.to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.to_ascii_lowercase();
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return !plain_suffix;
        }
        if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
            return in_network(ip, net, bits);
        }
        if plain_suffix {
            return host.ends_with(&entry);
        }
        let name = entry.trim_start_matches("*.").trim_start_matches('.');
        let name = match name.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => name,
        };
        host == name || (ip.is_none() && host.ends_with(&format!(".{name}")))
    })
}

fn in_network(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_lists_match_names_ips_networks_and_star() {
        assert!(exempts("example.com", "a.example.com", false));
        assert!(!exempts("example.com", "badexample.com", false));
        assert!(exempts(".example.com", "a.example.com", false));
        assert!(exempts(" 10.0.0.0/8 , x", "10.1.2.3", false));
        assert!(exempts("127.0.0.1", "127.0.0.1", false));
        assert!(!exempts("example.com", "127.0.0.1", false));
        assert!(exempts("*", "collector", false));
        assert!(exempts("fd00::/8", "fd00::1", false));
        assert!(exempts("ost", "localhost", true));
        assert!(!exempts("*", "localhost", true));
    }

    #[test]
    fn proxy_values_parse_as_the_libraries_take_them() {
        assert_eq!(
            parse_proxy("http://user:pw@proxy:3128/"),
            Some(("proxy".into(), 3128, Some("user:pw".into())))
        );
        assert_eq!(parse_proxy("proxy"), Some(("proxy".into(), 80, None)));
        assert_eq!(
            parse_proxy("http://[::1]:8080"),
            Some(("::1".into(), 8080, None))
        );
        assert_eq!(parse_proxy("socks5://127.0.0.1:1080"), None);
    }
}
