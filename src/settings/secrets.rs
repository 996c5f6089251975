//! Which configured values are secrets: every header value of every signal, including the raw
//! text of items the parser dropped as malformed. One redactor for the CLI's renderers and the
//! library's reports alike.

use super::{EnvSource, Resolution, Signal};
use crate::report::mask::Redactor;

pub fn redactor(resolution: &Resolution, env: &dyn EnvSource) -> Redactor {
    let mut redactor = Redactor::new();
    let mut add = |value: &str| {
        redactor.add(value);
        // A quoted value (AUTH_TOKEN_QUOTED) is sent with its quotes, but a server may echo the
        // token alone.
        redactor.add(value.trim().trim_matches(['"', '\'']));
    };
    for exporter in &resolution.exporters {
        for header in &exporter.headers {
            add(&header.value.value);
        }
        let proxies = exporter.proxy.iter();
        for route in proxies.chain(exporter.proxy_by_sdk.iter().map(|(_, route)| route)) {
            if let Some(userinfo) = &route.userinfo {
                // The password alone is what shows inside the URL.
                add(userinfo
                    .split_once(':')
                    .map_or(userinfo.as_str(), |(_, pw)| pw));
            }
        }
    }
    let header_vars = std::iter::once("OTEL_EXPORTER_OTLP_HEADERS".to_string())
        .chain(Signal::ALL.map(|s| format!("OTEL_EXPORTER_OTLP_{}_HEADERS", s.env_infix())));
    for variable in header_vars {
        for item in env.raw(&variable).unwrap_or_default().split(',') {
            add(item.split_once('=').map_or(item, |(_, value)| value));
        }
    }
    redactor
}
