//! The latency histogram for a terminal: one line per bucket, a bar of Unicode eighth blocks
//! scaled to the fullest bucket, and the count.

use super::Bucket;

/// Cells of the longest bar.
const BAR_WIDTH: usize = 40;
/// The partial blocks, from one eighth of a cell to seven eighths.
const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// The lines of the histogram (no trailing newline), each indented by `indent`; empty when no
/// bucket holds a request.
pub fn histogram(buckets: &[Bucket], indent: &str) -> Vec<String> {
    let most = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    if most == 0 {
        return Vec::new();
    }
    let ranges: Vec<String> = buckets
        .iter()
        .map(|b| format!("{} – {}", ms(b.low_ms), ms(b.high_ms)))
        .collect();
    let width = ranges.iter().map(|r| r.chars().count()).max().unwrap_or(0);
    buckets
        .iter()
        .zip(&ranges)
        .map(|(bucket, range)| {
            format!(
                "{indent}{range:>width$} {:<BAR_WIDTH$} {}",
                bar(bucket.count, most),
                bucket.count
            )
        })
        .collect()
}

/// `count` of `most` as a bar of at most [`BAR_WIDTH`] cells; a non-zero count shows at
/// least an eighth.
fn bar(count: u64, most: u64) -> String {
    let eighths = (count as f64 / most as f64 * (BAR_WIDTH * 8) as f64).round() as usize;
    let eighths = if count > 0 { eighths.max(1) } else { 0 };
    let mut out = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        out.push(EIGHTHS[eighths % 8 - 1]);
    }
    out
}

/// `0.42 ms`, `3.1 ms`, `120 ms`, `1.20 s`.
fn ms(value: f64) -> String {
    if value >= 1000.0 {
        format!("{:.2} s", value / 1000.0)
    } else if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.2} ms")
    }
}
