//! What `explain` prints: an [`Answer`] (the entries matching a query, or one code's entry) and
//! the [`Catalog`] of every code, each in human, JSON and Markdown, written into any `Write`.

use super::palette::Palette;
use super::{Format, markdown_text};
use crate::knowledge::answer::{Answer, Catalog};
use std::io::{self, Write};

/// Human output wraps prose at this width.
const WIDTH: usize = 100;

impl Answer<'_> {
    pub fn render(&self, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Human => self.human(&Palette::new(color), out),
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self)?;
                writeln!(out)
            }
            Format::Markdown => self.markdown(out),
            Format::Html => Err(super::no_html("explain")),
        }
    }

    fn human(&self, palette: &Palette, out: &mut dyn Write) -> io::Result<()> {
        if self.matches.is_empty() {
            writeln!(out, "no known error message matches this text")?;
            return writeln!(
                out,
                "{}",
                palette.dim(
                    "hint: paste the most specific line of the log, or see `otlp-doctor explain --list` for every code"
                )
            );
        }
        for (index, m) in self.matches.iter().enumerate() {
            if index > 0 {
                writeln!(out)?;
            }
            writeln!(out, "{}  {}", palette.code(m.code), palette.bold(m.title))?;
            if !self.by_code {
                let score = format!("{:.2}", m.score);
                match m.message {
                    Some(message) => {
                        field(
                            out,
                            palette,
                            "match",
                            &format!("{score}, like \"{}\"", message.text),
                        )?;
                        field(
                            out,
                            palette,
                            "",
                            &palette.dim(&format!("({}: {})", message.ecosystem, message.source)),
                        )?;
                        if let Some(note) = &message.note {
                            for (i, line) in wrap(note, WIDTH - 11).iter().enumerate() {
                                field(out, palette, if i == 0 { "note" } else { "" }, line)?;
                            }
                        }
                    }
                    None => field(
                        out,
                        palette,
                        "match",
                        &format!("{score}, by its description"),
                    )?,
                }
            }
            for (i, line) in wrap(m.cause, WIDTH - 11).iter().enumerate() {
                field(out, palette, if i == 0 { "cause" } else { "" }, line)?;
            }
            for (i, fix) in m.fix.iter().enumerate() {
                for (j, line) in wrap(fix, WIDTH - 13).iter().enumerate() {
                    let bullet = if j == 0 { "- " } else { "  " };
                    let label = if i == 0 && j == 0 { "fix" } else { "" };
                    field(out, palette, label, &format!("{bullet}{line}"))?;
                }
            }
            for (i, doc) in m.docs.iter().enumerate() {
                field(out, palette, if i == 0 { "docs" } else { "" }, doc)?;
            }
            if self.by_code {
                for (i, message) in m.entry.messages.iter().enumerate() {
                    let label = if i == 0 { "seen as" } else { "" };
                    field(out, palette, label, &format!("\"{}\"", message.text))?;
                    field(
                        out,
                        palette,
                        "",
                        &palette.dim(&format!("  ({}: {})", message.ecosystem, message.source)),
                    )?;
                }
            }
        }
        Ok(())
    }

    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "## otlp-doctor explain")?;
        writeln!(out)?;
        writeln!(out, "```text\n{}\n```", excerpt(&self.query))?;
        writeln!(out)?;
        if self.matches.is_empty() {
            return writeln!(out, "_No known error message matches this text._");
        }
        for m in &self.matches {
            writeln!(out, "### `{}`: {}", m.code, m.title)?;
            writeln!(out)?;
            if !self.by_code {
                match m.message {
                    Some(message) => writeln!(
                        out,
                        "- match: {:.2}, like `{}` ([{}]({}))",
                        m.score,
                        message.text.replace('`', "'"),
                        message.ecosystem,
                        message.source
                    )?,
                    None => writeln!(out, "- match: {:.2}, by its description", m.score)?,
                }
                if let Some(note) = m.message.and_then(|message| message.note.as_deref()) {
                    writeln!(out, "- note: {}", markdown_text(note))?;
                }
            }
            writeln!(out, "- cause: {}", markdown_text(m.cause))?;
            writeln!(out)?;
            writeln!(out, "**Fix**")?;
            writeln!(out)?;
            for fix in m.fix {
                writeln!(out, "- {}", markdown_text(fix))?;
            }
            if !m.docs.is_empty() {
                writeln!(out)?;
                writeln!(out, "**Docs**")?;
                writeln!(out)?;
                for doc in m.docs {
                    writeln!(out, "- <{doc}>")?;
                }
            }
            if self.by_code && !m.entry.messages.is_empty() {
                writeln!(out)?;
                writeln!(out, "**Seen as**")?;
                writeln!(out)?;
                for message in &m.entry.messages {
                    writeln!(
                        out,
                        "- `{}` ([{}]({}))",
                        message.text.replace('`', "'"),
                        message.ecosystem,
                        message.source
                    )?;
                }
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

impl Catalog<'_> {
    pub fn render(&self, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
        let palette = Palette::new(color);
        match format {
            Format::Human => {
                let width = self
                    .areas
                    .iter()
                    .flat_map(|a| &a.codes)
                    .map(|c| c.code.len())
                    .max()
                    .unwrap_or(0);
                for (index, area) in self.areas.iter().enumerate() {
                    if index > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", palette.bold(area.area))?;
                    for c in &area.codes {
                        let padding = " ".repeat(width - c.code.len());
                        writeln!(out, "  {}{padding}  {}", palette.code(c.code), c.title)?;
                    }
                }
                Ok(())
            }
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self)?;
                writeln!(out)
            }
            Format::Html => Err(super::no_html("explain --list")),
            Format::Markdown => {
                writeln!(out, "## otlp-doctor finding codes")?;
                for area in &self.areas {
                    writeln!(out)?;
                    writeln!(out, "### {}", area.area)?;
                    writeln!(out)?;
                    writeln!(out, "| code | title |")?;
                    writeln!(out, "|---|---|")?;
                    for c in &area.codes {
                        writeln!(out, "| `{}` | {} |", c.code, c.title.replace('|', "\\|"))?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// `  label    text`, labels in one column.
fn field(out: &mut dyn Write, palette: &Palette, label: &str, text: &str) -> io::Result<()> {
    let padded = format!("{label:<8}");
    writeln!(out, "  {} {text}", palette.dim(&padded))
}

/// Splits prose into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The query as quoted in Markdown: a piped log can be long, the first lines say enough.
fn excerpt(query: &str) -> String {
    const MAX_LINES: usize = 20;
    let mut lines: Vec<&str> = query.lines().take(MAX_LINES).collect();
    if query.lines().nth(MAX_LINES).is_some() {
        lines.push("…");
    }
    lines.join("\n").replace("```", "'''")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::answer::SCHEMA;
    use crate::knowledge::{areas, entries, entry};
    use crate::report::Code;

    fn render(answer: &Answer, format: Format) -> String {
        let mut out = Vec::new();
        answer.render(format, false, &mut out).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn json_has_exactly_the_contract_fields() {
        let Some(refused) = entry(Code::NetConnRefused) else {
            panic!("kb has NET_CONN_REFUSED");
        };
        let answer = Answer::from_matches(
            "connection refused".into(),
            crate::knowledge::matcher::Matcher::global().search("connection refused", 1),
        );
        let value: serde_json::Value =
            serde_json::from_str(&render(&answer, Format::Json)).unwrap_or_default();
        assert_eq!(value["schema"], SCHEMA);
        assert_eq!(value["query"], "connection refused");
        let first = &value["matches"][0];
        let mut keys: Vec<&str> = first
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(keys, ["cause", "code", "docs", "fix", "score", "title"]);
        assert_eq!(first["code"], refused.code.as_str());
        assert!(first["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0));
    }

    #[test]
    fn human_and_markdown_show_cause_fix_and_the_matched_message() {
        let query = "tcp connect error: Connection refused (os error 111)";
        let answer = Answer::from_matches(
            query.into(),
            crate::knowledge::matcher::Matcher::global().search(query, 1),
        );
        let human = render(&answer, Format::Human);
        assert!(human.starts_with("NET_CONN_REFUSED  "), "{human}");
        for part in [
            "match",
            "cause",
            "fix",
            "docs",
            "quickwit-oss/quickwit/issues/3415",
        ] {
            assert!(human.contains(part), "{part} missing:\n{human}");
        }
        assert!(
            human
                .lines()
                .all(|l| l.chars().count() <= WIDTH + 20 || l.contains("http"))
        );
        let markdown = render(&answer, Format::Markdown);
        assert!(markdown.contains("### `NET_CONN_REFUSED`"), "{markdown}");
        assert!(markdown.contains("**Fix**"), "{markdown}");
    }

    #[test]
    fn an_entry_by_code_lists_where_its_messages_were_seen() {
        let Some(entry) = entry(Code::TlsUnknownCa) else {
            panic!("kb has TLS_UNKNOWN_CA");
        };
        let answer = Answer::for_entry("tls_unknown_ca".into(), entry);
        let human = render(&answer, Format::Human);
        assert!(human.contains("seen as"), "{human}");
        assert!(!human.contains("match "), "{human}");
        assert_eq!(answer.matches[0].score, 1.0);
    }

    #[test]
    fn no_match_says_so_in_every_format() {
        let answer = Answer::from_matches("hello world".into(), Vec::new());
        assert!(render(&answer, Format::Human).contains("no known error message"));
        assert!(render(&answer, Format::Markdown).contains("No known error message"));
        let value: serde_json::Value =
            serde_json::from_str(&render(&answer, Format::Json)).unwrap_or_default();
        assert_eq!(value["matches"], serde_json::json!([]));
    }

    #[test]
    fn the_catalog_lists_every_code_once_grouped_by_area() {
        let catalog = Catalog::new(areas(), entries());
        let listed: usize = catalog.areas.iter().map(|a| a.codes.len()).sum();
        assert_eq!(listed, entries().len());
        let mut out = Vec::new();
        catalog
            .render(Format::Human, false, &mut out)
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("config\n  CFG_"), "{text}");
        assert!(text.contains("\nnetwork\n  NET_DNS_FAILED"), "{text}");
    }

    #[test]
    fn wrap_keeps_lines_within_width() {
        let lines = wrap("aaa bbb ccc ddd eee", 7);
        assert_eq!(lines, ["aaa bbb", "ccc ddd", "eee"]);
        assert_eq!(wrap("", 7), Vec::<String>::new());
    }
}
