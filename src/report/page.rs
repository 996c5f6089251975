//! One self-contained HTML document: the shell every HTML report shares (inline CSS, no script,
//! no external asset, nothing fetched when it is opened), and the pieces reports are made of:
//! headings, key/value facts, tables, lists and charts. Every text passes through [`escape`];
//! only a chart's SVG (drawn by [`super::charts`], which escapes its own text) goes in as it is.

use std::fmt::Write as _;
use std::io::{self, Write};

/// The style of every report: readable on paper and on screen, statuses in colour.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:60rem;\
padding:0 1rem;color:#222;line-height:1.45}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}\
h3{font-size:1rem;margin-bottom:.3rem}\
table{border-collapse:collapse;margin:.5rem 0;width:100%}\
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f5f5f5}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}\
pre{background:#f7f7f7;padding:.5rem;overflow-x:auto}\
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}\
.pass,.healthy,.info{color:#1e7b34}.warn,.warning,.degraded{color:#9a6700}\
.fail,.error,.broken{color:#c0392b}.skip{color:#888}\
.finding{border-left:4px solid #ddd;padding:.1rem .8rem;margin:1rem 0}\
.finding.error{border-color:#c0392b}.finding.warning{border-color:#d4a72c}\
.finding.info{border-color:#1e7b34}.finding *{color:#222}\
.label{font-weight:600}footer{margin-top:3rem;color:#888;font-size:.85em}";

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A document being built; [`Page::write`] puts it out whole.
#[derive(Debug, Default)]
pub struct Page {
    title: String,
    body: String,
}

impl Page {
    pub fn new(title: &str) -> Page {
        Page {
            title: title.to_string(),
            body: String::new(),
        }
    }

    /// `<h1>`..`<h3>` with `text`; `class` colours it (a verdict, a status).
    pub fn heading(&mut self, level: u8, text: &str, class: Option<&str>) -> &mut Self {
        let level = level.clamp(1, 3);
        match class {
            Some(class) => write!(
                self.body,
                "<h{level} class=\"{}\">{}</h{level}>",
                escape(class),
                escape(text)
            ),
            None => write!(self.body, "<h{level}>{}</h{level}>", escape(text)),
        }
        .ok();
        self
    }

    /// A paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        write!(self.body, "<p>{}</p>", escape(text)).ok();
        self
    }

    /// Key/value rows, the key in the first column.
    pub fn facts(&mut self, rows: &[(&str, String)]) -> &mut Self {
        self.body.push_str("<table class=\"facts\">");
        for (key, value) in rows {
            write!(
                self.body,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(key),
                escape(value)
            )
            .ok();
        }
        self.body.push_str("</table>");
        self
    }

    /// A table with a header row; each cell is `(text, class)`, the class colouring it.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<Cell>]) -> &mut Self {
        self.body.push_str("<table><tr>");
        for name in header {
            write!(self.body, "<th>{}</th>", escape(name)).ok();
        }
        self.body.push_str("</tr>");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                match &cell.class {
                    Some(class) => write!(
                        self.body,
                        "<td class=\"{}\">{}</td>",
                        escape(class),
                        escape(&cell.text)
                    ),
                    None => write!(self.body, "<td>{}</td>", escape(&cell.text)),
                }
                .ok();
            }
            self.body.push_str("</tr>");
        }
        self.body.push_str("</table>");
        self
    }

    /// A bulleted list of plain text, under a bold `label` (nothing for an empty list).
    pub fn list(&mut self, label: &str, items: &[String]) -> &mut Self {
        if items.is_empty() {
            return self;
        }
        write!(self.body, "<p class=\"label\">{}</p><ul>", escape(label)).ok();
        for item in items {
            write!(self.body, "<li>{}</li>", escape(item)).ok();
        }
        self.body.push_str("</ul>");
        self
    }

    /// Preformatted lines (shell, YAML, code) under a caption.
    pub fn code(&mut self, caption: &str, lines: &[String]) -> &mut Self {
        write!(
            self.body,
            "<p>{}</p><pre><code>{}</code></pre>",
            escape(caption),
            escape(&lines.join("\n"))
        )
        .ok();
        self
    }

    /// A chart drawn by [`super::charts`], wrapped in a `<figure data-chart="name">`.
    pub fn chart(&mut self, name: &str, svg: &str) -> &mut Self {
        write!(
            self.body,
            "<figure data-chart=\"{}\">{svg}</figure>",
            escape(name)
        )
        .ok();
        self
    }

    /// Opens a `<section>` (closed by [`Page::close`]) with `class`.
    pub fn open(&mut self, class: &str) -> &mut Self {
        write!(self.body, "<section class=\"{}\">", escape(class)).ok();
        self
    }

    pub fn close(&mut self) -> &mut Self {
        self.body.push_str("</section>");
        self
    }

    /// The whole document, with a footer naming the tool.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body>{}\
             <footer>otlp-doctor {}</footer></body></html>\n",
            escape(&self.title),
            self.body,
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// A table cell: its text and an optional class (a status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub class: Option<String>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: None,
        }
    }

    pub fn with_class(text: impl Into<String>, class: &str) -> Cell {
        Cell {
            text: text.into(),
            class: Some(class.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_page_is_one_document_with_its_pieces_escaped() {
        let mut page = Page::new("t<i>tle");
        page.heading(1, "<b>", Some("fail"))
            .facts(&[("k", "v&".into())])
            .table(&["a"], &[vec![Cell::with_class("x<", "pass")]])
            .list("evidence", &["<script>".into()])
            .chart("latency", "<svg></svg>");
        let mut out = Vec::new();
        page.write(&mut out).expect("writes");
        let html = String::from_utf8(out).expect("UTF-8");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<html").count(), 1);
        assert!(html.contains("<title>t&lt;i&gt;tle</title>"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("<figure data-chart=\"latency\"><svg></svg></figure>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
