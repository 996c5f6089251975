//! The proxy rules of the transport libraries the SDKs export through, read from their sources
//! (docs/research/sdk-proxy.md has the line references).

use crate::settings::proxy::ProxyRule;

pub const XNET_HTTPPROXY: &str =
    "https://github.com/golang/net/blob/v0.56.0/http/httpproxy/proxy.go";
pub const GRPC_GO_PROXY: &str = "https://github.com/grpc/grpc-go/blob/v1.83.0/internal/resolver/delegatingresolver/delegatingresolver.go";
pub const GRPC_CORE_PROXY: &str = "https://github.com/grpc/grpc/blob/063841611f80fcc9b4c609ce3023fa9d269f1958/src/core/handshaker/http_connect/http_proxy_mapper.cc";
pub const GRPC_JS_PROXY: &str = "https://github.com/grpc/grpc-node/blob/%40grpc/grpc-js%401.14.3/packages/grpc-js/src/http_proxy.ts";
pub const REQUESTS_PROXY: &str =
    "https://github.com/psf/requests/blob/v2.34.2/src/requests/utils.py";
pub const DOTNET_PROXY: &str = "https://github.com/dotnet/runtime/blob/04da5a173f6331f6bb4ce24a28ccf32e136c427e/src/libraries/System.Net.Http/src/System/Net/Http/SocketsHttpHandler/HttpEnvironmentProxy.Unix.cs";
pub const HYPER_UTIL_PROXY: &str =
    "https://github.com/hyperium/hyper-util/blob/v0.1.21/src/client/proxy/matcher.rs";

/// Go's net/http (`http.ProxyFromEnvironment`): upper case first, loopback always direct.
pub const GO_NET_HTTP: ProxyRule = ProxyRule {
    for_https: &["HTTPS_PROXY", "https_proxy"],
    for_http: &["HTTP_PROXY", "http_proxy"],
    no_proxy: &["NO_PROXY", "no_proxy"],
    bypasses_loopback: true,
    empty_is_unset: true,
    plain_suffix_no_proxy: false,
    always_tunnels: false,
};

/// grpc-go asks the same function with an `https://` URL, so only HTTPS_PROXY counts.
pub const GRPC_GO: ProxyRule = ProxyRule {
    for_https: &["HTTPS_PROXY", "https_proxy"],
    for_http: &["HTTPS_PROXY", "https_proxy"],
    always_tunnels: true,
    ..GO_NET_HTTP
};

/// gRPC core (Python's grpcio): lower case only, the same variables whatever the scheme.
pub const GRPC_CORE: ProxyRule = ProxyRule {
    for_https: &["grpc_proxy", "https_proxy", "http_proxy"],
    for_http: &["grpc_proxy", "https_proxy", "http_proxy"],
    no_proxy: &["no_grpc_proxy", "no_proxy"],
    bypasses_loopback: false,
    empty_is_unset: false,
    plain_suffix_no_proxy: true,
    always_tunnels: true,
};

/// grpc-js: as gRPC core, but an empty variable is skipped.
pub const GRPC_JS: ProxyRule = ProxyRule {
    empty_is_unset: true,
    ..GRPC_CORE
};

/// requests (through urllib's getproxies): lower case first, then `all_proxy`.
pub const REQUESTS: ProxyRule = ProxyRule {
    for_https: &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
    for_http: &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
    no_proxy: &["no_proxy", "NO_PROXY"],
    bypasses_loopback: false,
    empty_is_unset: false,
    plain_suffix_no_proxy: false,
    always_tunnels: false,
};

/// .NET's HttpEnvironmentProxy: lower case first, `all_proxy` fills in.
pub const DOTNET_HTTP: ProxyRule = ProxyRule {
    empty_is_unset: true,
    ..REQUESTS
};

/// reqwest 0.13 (hyper-util's matcher): upper case first even when empty, then ALL_PROXY.
pub const REQWEST: ProxyRule = ProxyRule {
    for_https: &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
    for_http: &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    no_proxy: &["NO_PROXY", "no_proxy"],
    bypasses_loopback: false,
    empty_is_unset: false,
    plain_suffix_no_proxy: false,
    always_tunnels: false,
};

/// .NET gRPC goes through HttpClient too; HTTP/2 to a proxy needs a tunnel.
pub const DOTNET_GRPC: ProxyRule = ProxyRule {
    always_tunnels: true,
    ..DOTNET_HTTP
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::MapEnv;
    use crate::settings::endpoint::parse_endpoint;
    use crate::settings::proxy::{NoRoute, ProxyReading, ProxyRoute, route};

    fn routed<const N: usize>(
        rule: ProxyRule,
        vars: [(&str, &str); N],
        endpoint: &str,
    ) -> Result<ProxyRoute, NoRoute> {
        let reading = ProxyReading {
            rule,
            reader: "test".into(),
        };
        route(
            &MapEnv::new(vars),
            &reading,
            &parse_endpoint(endpoint).unwrap(),
        )
    }

    #[test]
    fn go_exempts_loopback_and_reads_upper_case_first() {
        let vars = [
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
        ];
        assert_eq!(
            routed(GO_NET_HTTP, vars, "https://127.0.0.1:4318"),
            Err(NoRoute::Exempt("loopback".into()))
        );
        let route = routed(GO_NET_HTTP, vars, "https://collector.example:4318").unwrap();
        assert_eq!(
            (route.host.as_str(), route.port, route.tunnel),
            ("upper", 3128, true)
        );
        assert_eq!(
            routed(GO_NET_HTTP, vars, "http://collector.example:4318"),
            Err(NoRoute::Unset)
        );
    }

    #[test]
    fn grpc_core_tunnels_plaintext_through_https_proxy_and_reads_lower_case_only() {
        let vars = [("https_proxy", "127.0.0.1:3128")];
        let route = routed(GRPC_CORE, vars, "http://127.0.0.1:4317").unwrap();
        assert_eq!(
            (route.authority().as_str(), route.tunnel),
            ("127.0.0.1:3128", true)
        );
        let exempt = [("https_proxy", "127.0.0.1:3128"), ("no_proxy", "ost")];
        assert_eq!(
            routed(GRPC_CORE, exempt, "http://localhost:4317"),
            Err(NoRoute::Exempt("no_proxy".into()))
        );
        let upper_only = [("HTTPS_PROXY", "http://127.0.0.1:3128")];
        assert_eq!(
            routed(GRPC_CORE, upper_only, "http://localhost:4317"),
            Err(NoRoute::Unset)
        );
        let empty_hides = [("grpc_proxy", ""), ("https_proxy", "http://127.0.0.1:3128")];
        assert_eq!(
            routed(GRPC_CORE, empty_hides, "http://localhost:4317"),
            Err(NoRoute::Unset)
        );
    }

    #[test]
    fn requests_sends_plaintext_in_absolute_form_and_a_socks_proxy_is_not_usable() {
        let route = routed(REQUESTS, [("http_proxy", "http://p:3128")], "http://c:4318").unwrap();
        assert!(!route.tunnel);
        assert!(matches!(
            routed(
                GO_NET_HTTP,
                [("HTTPS_PROXY", "socks5://127.0.0.1:1080")],
                "https://c:4318"
            ),
            Err(NoRoute::Unusable { .. })
        ));
    }
}
