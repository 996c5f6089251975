//! The result of a scan as plain data ([`ScanReport`], the `otlp-doctor/scan/v1` JSON document)
//! and its human and markdown renderings, each into any `impl Write`.

use super::service::{PortScan, PortState, Speaks};
use crate::report::listing::first_few;
use crate::report::render::format_ms;
use serde::Serialize;
use std::io::{self, Write};

/// Addresses named in the human report's first line (the JSON report has them all).
const ADDRESSES_SHOWN: usize = 8;

/// The `schema` of the JSON document.
pub const SCHEMA: &str = "otlp-doctor/scan/v1";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    pub schema: &'static str,
    pub tool_version: &'static str,
    /// The host as given.
    pub host: String,
    /// The addresses it resolved to.
    pub addresses: Vec<String>,
    pub timeout_ms: f64,
    pub duration_ms: f64,
    /// Every port looked at, in the order asked for.
    pub ports: Vec<PortScan>,
    /// The wire trace of `-v` (the probes of every port, interleaved); absent without it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<crate::report::trace::TraceEvent>,
}

impl ScanReport {
    pub fn open(&self) -> impl Iterator<Item = &PortScan> {
        self.ports.iter().filter(|p| p.state == PortState::Open)
    }

    /// The configure line of each OTLP receiver found, under `heading`, if there is any.
    fn write_receivers(
        &self,
        out: &mut dyn Write,
        heading: &str,
        line: impl Fn(u16, &str) -> String,
    ) -> io::Result<()> {
        let receivers: Vec<(u16, &str)> = self
            .open()
            .filter_map(|p| Some((p.port, p.configure.as_deref()?)))
            .collect();
        if !receivers.is_empty() {
            writeln!(out, "{heading}")?;
            for (port, configure) in receivers {
                writeln!(out, "{}", line(port, configure))?;
            }
        }
        Ok(())
    }

    pub fn render_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    pub fn render_human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "scan of {} ({}): {} ports, {} open, {}",
            self.host,
            first_few(&self.addresses, ADDRESSES_SHOWN),
            self.ports.len(),
            self.open().count(),
            format_ms(self.duration_ms)
        )?;
        let rows: Vec<[String; 4]> = self.open().map(row).collect();
        if rows.is_empty() {
            writeln!(out, "\nnothing answers on these ports")?;
        } else {
            let header = ["PORT", "SPEAKS", "TLS", "DETAIL"].map(String::from);
            let widths: Vec<usize> = (0..3)
                .map(|i| {
                    rows.iter()
                        .chain([&header])
                        .map(|r| r[i].chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            writeln!(out)?;
            for r in [&header].into_iter().chain(rows.iter()) {
                writeln!(
                    out,
                    "{:w0$}  {:w1$}  {:w2$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2]
                )?;
            }
        }
        let not_open: Vec<String> = self
            .ports
            .iter()
            .filter(|p| p.state != PortState::Open)
            .map(|p| match p.state {
                PortState::Filtered => format!("{} (no answer)", p.port),
                _ => p.port.to_string(),
            })
            .collect();
        if !not_open.is_empty() {
            writeln!(out, "\nnot open: {}", not_open.join(", "))?;
        }
        self.write_receivers(out, "\nto send OTLP here:", |port, line| {
            format!("  :{port}  {line}")
        })
    }

    pub fn render_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "# otlp-doctor scan of `{}`\n\n{} ports, {} open, {}\n",
            self.host,
            self.ports.len(),
            self.open().count(),
            format_ms(self.duration_ms)
        )?;
        writeln!(out, "| port | speaks | TLS | detail |\n|---|---|---|---|")?;
        for port in &self.ports {
            let [number, speaks, tls, detail] = match port.state {
                PortState::Open => row(port),
                PortState::Closed => [
                    port.port.to_string(),
                    "closed".into(),
                    String::new(),
                    String::new(),
                ],
                PortState::Filtered => [
                    port.port.to_string(),
                    "no answer".into(),
                    String::new(),
                    String::new(),
                ],
            };
            writeln!(
                out,
                "| {number} | {} | {} | {} |",
                cell(&speaks),
                cell(&tls),
                cell(&detail)
            )?;
        }
        self.write_receivers(out, "\n## To send OTLP here\n", |port, line| {
            format!("- `:{port}`: `{line}`")
        })
    }
}

fn row(port: &PortScan) -> [String; 4] {
    let speaks = port.speaks.map_or("?", |s| s.label()).to_string();
    let tls = match (&port.handshake, port.tls) {
        (Some(facts), _) => facts.describe(),
        (None, Some(true)) => "TLS".into(),
        _ => "plaintext".into(),
    };
    // What usually listens there says the most about a port the probes could not name.
    let unnamed = matches!(
        port.speaks,
        Some(Speaks::Grpc | Speaks::Http | Speaks::Silent | Speaks::Unknown)
    );
    let detail = match port.usually {
        Some(usually) if unnamed => format!("{} (usually {usually} here)", port.detail),
        _ => port.detail.clone(),
    };
    [port.port.to_string(), speaks, tls, detail]
}

/// A markdown table cell: pipes escaped, placeholders kept visible.
fn cell(text: &str) -> String {
    crate::report::render::markdown_text(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_port(port: u16, speaks: Speaks, detail: &str) -> PortScan {
        let mut scan = PortScan::not_open(port, PortState::Open, detail.into(), 1.0);
        scan.speaks = Some(speaks);
        scan.tls = Some(false);
        scan
    }

    #[test]
    fn the_table_names_what_usually_listens_on_a_port_it_could_not_name() {
        let report = ScanReport {
            schema: SCHEMA,
            tool_version: "0",
            host: "localhost".into(),
            addresses: vec!["127.0.0.1".into()],
            timeout_ms: 1000.0,
            duration_ms: 3.0,
            ports: vec![
                open_port(
                    14250,
                    Speaks::Grpc,
                    "gRPC; every OTLP Export answered UNIMPLEMENTED",
                ),
                open_port(
                    9411,
                    Speaks::Zipkin,
                    "GET /api/v2/services answers Zipkin's service list",
                ),
                PortScan::not_open(4317, PortState::Closed, "refused".into(), 0.1),
            ],
            trace: Vec::new(),
        };
        let mut out = Vec::new();
        report.render_human(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("UNIMPLEMENTED (usually Jaeger collector (gRPC) here)"),
            "{text}"
        );
        assert!(!text.contains("(usually Zipkin here)"), "{text}");
        assert!(text.contains("not open: 4317"), "{text}");
        let mut markdown = Vec::new();
        report.render_markdown(&mut markdown).unwrap();
        assert!(
            String::from_utf8(markdown)
                .unwrap()
                .contains("| 4317 | closed |")
        );
    }
}
