//! Terminal colour for human output, in one place: a palette that paints only when enabled
//! (a terminal without `NO_COLOR`), so renderers never test for colour themselves.

use crate::report::Severity;
use anstyle::{AnsiColor, Style};

#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// [`Palette::paint`] appended to `out`, for a renderer that builds a line in one buffer.
    pub fn paint_to(&self, out: &mut String, style: Style, text: impl std::fmt::Display) {
        use std::fmt::Write;
        self.paint_with(out, style, |out| {
            let _ = write!(out, "{text}");
        });
    }

    /// What `append` writes to `out`, painted: for a renderer that formats every span and
    /// should not go through `fmt` for text it can push directly.
    pub fn paint_with(&self, out: &mut String, style: Style, append: impl FnOnce(&mut String)) {
        use std::fmt::Write;
        if self.enabled {
            let _ = write!(out, "{style}");
            append(out);
            let _ = write!(out, "{style:#}");
        } else {
            append(out);
        }
    }

    pub fn color(&self, color: AnsiColor, text: &str) -> String {
        self.paint(Style::new().fg_color(Some(color.into())), text)
    }

    pub fn severity(&self, severity: Severity, text: &str) -> String {
        let color = match severity {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.paint(Style::new().fg_color(Some(color.into())).bold(), text)
    }

    /// A finding code.
    pub fn code(&self, text: &str) -> String {
        self.paint(
            Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold(),
            text,
        )
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
}
