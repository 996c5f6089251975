use super::*;

fn buckets() -> Vec<Bucket> {
    vec![
        Bucket {
            low_ms: 0.5,
            high_ms: 1.0,
            count: 3,
        },
        Bucket {
            low_ms: 1.0,
            high_ms: 2.0,
            count: 40,
        },
        Bucket {
            low_ms: 2.0,
            high_ms: 4.0,
            count: 0,
        },
        Bucket {
            low_ms: 4.0,
            high_ms: 8.0,
            count: 1,
        },
    ]
}

/// One `<svg>` element, nothing before or after it.
fn assert_one_svg(svg: &str) {
    assert!(svg.trim_start().starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
}

#[test]
fn the_latency_histogram_draws_a_bar_per_filled_bucket_and_its_text() {
    let svg = latency(&buckets()).expect("draws");
    assert_one_svg(&svg);
    // Without a font backend the text is still written, for the browser to lay out.
    assert!(svg.contains("latency distribution"), "{svg}");
    assert!(svg.contains("latency (ms)"), "{svg}");
    let filled = buckets().iter().filter(|b| b.count > 0).count();
    let accent = "fill=\"#2F6FB3\"";
    assert_eq!(svg.matches(accent).count(), filled, "{svg}");
}

#[test]
fn empty_data_draws_the_axes_only() {
    let svg = latency(&[]).expect("draws");
    assert_one_svg(&svg);
    let svg = over_time(Kind::Failures, "failures", "requests/s", &[]).expect("draws");
    assert_one_svg(&svg);
    let svg = bars("phases", "phases", "ms", &[]).expect("draws");
    assert_one_svg(&svg);
}

#[test]
fn a_series_draws_its_caption_and_one_area() {
    let svg = over_time(
        Kind::Throughput,
        "throughput",
        "spans/s",
        &[100.0, 250.0, 240.0],
    )
    .expect("draws");
    assert_one_svg(&svg);
    assert!(svg.contains("throughput"), "{svg}");
    assert!(svg.contains("spans/s"), "{svg}");
    assert!(svg.contains("<polygon") || svg.contains("<path"), "{svg}");
}

#[test]
fn bars_are_labelled_in_order_and_muted_ones_are_grey() {
    let rows = vec![
        Bar {
            label: "dns".into(),
            start: 0.0,
            length: 1.5,
            muted: false,
        },
        Bar {
            label: "tcp".into(),
            start: 1.5,
            length: 0.5,
            muted: false,
        },
        Bar {
            label: "tls".into(),
            start: 2.0,
            length: 0.0,
            muted: true,
        },
    ];
    let svg = bars("phases", "phases of the check", "ms", &rows).expect("draws");
    assert_one_svg(&svg);
    // plotters writes each text on a line of its own inside its `<text>` element.
    for label in ["dns", "tcp", "tls"] {
        assert!(svg.contains(&format!(">\n{label}\n<")), "{label}: {svg}");
    }
    assert!(svg.contains("fill=\"#999999\""), "{svg}");
}

#[test]
fn labels_with_markup_characters_are_escaped_by_the_backend() {
    let rows = vec![Bar {
        label: "a<b & \"c\"".into(),
        start: 0.0,
        length: 1.0,
        muted: false,
    }];
    let svg = bars("overhead", "cost", "ns", &rows).expect("draws");
    assert!(!svg.contains("a<b"), "{svg}");
}

#[test]
fn the_terminal_histogram_scales_bars_to_the_fullest_bucket() {
    let lines = terminal::histogram(&buckets(), "  ");
    assert_eq!(lines.len(), 4);
    assert!(lines[1].contains(&"█".repeat(40)), "{lines:#?}");
    assert!(lines[1].trim_end().ends_with("40"), "{lines:#?}");
    // A small but non-zero count still shows; an empty bucket shows no bar.
    assert!(
        lines[3].contains('█') || lines[3].contains('▏'),
        "{lines:#?}"
    );
    assert!(!lines[2].contains('█'), "{lines:#?}");
    assert!(lines[0].starts_with("  "), "{lines:#?}");
    assert!(terminal::histogram(&[], "").is_empty());
}
