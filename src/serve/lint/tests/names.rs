//! LINT_HIGH_CARDINALITY_SPAN_NAME.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::Linter;
use crate::serve::lint::names::normalise;

#[test]
fn names_are_normalised() {
    let cases = [
        ("GET /users/12345", Some("GET /users/{n}")),
        ("order 9f8e7d6c5b4a", Some("order {hex}")),
        (
            "job 123e4567-e89b-12d3-a456-426614174000 done",
            Some("job {uuid} done"),
        ),
        ("GET /search?q=shoes&page=2", Some("GET /search?{query}")),
        ("user42", Some("user{n}")),
        ("GET /users/{id}", None),
        ("checkout", None),
        ("deadbeefcafe", None), // hex letters only: a word, not an id
        ("résumé 7", Some("résumé {n}")),
    ];
    for (name, expected) in cases {
        assert_eq!(normalise(name).as_deref(), expected, "{name}");
    }
}

#[test]
fn a_hundred_user_ids_give_one_finding() {
    let mut linter = Linter::default();
    let mut found = Vec::new();
    for n in 0..100u32 {
        let name = format!("GET /users/{}", 10_000 + n);
        let id = u8::try_from(n % 250).unwrap_or(1) + 1;
        found.extend(linter.inspect(&traces(vec![span(&name, id, 1)]), now()));
    }
    found.extend(linter.finish());
    let finding = only(&found, Code::LintHighCardinalitySpanName);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(text.contains("`GET /users/{n}`"), "{text}");
    assert!(
        text.contains("`GET /users/10000`, `GET /users/10001`, `GET /users/10002`"),
        "{text}"
    );
    assert!(text.contains("`GET /users/{id}`"), "{text}");
    assert!(text.contains("attribute"), "{text}");
}

#[test]
fn one_repeated_name_with_a_number_is_no_pattern() {
    let spans = (1..=20u8)
        .map(|n| span("GET /api/v2/orders", n, 1))
        .collect();
    assert_eq!(lint(&traces(spans)), vec![]);
}

#[test]
fn hex_ids_in_names_are_flagged_with_a_template() {
    let spans = [
        "order 9f8e7d6c5b4a3921",
        "order 0a1b2c3d4e5f6071",
        "order 1234abcd5678ef90",
    ]
    .iter()
    .enumerate()
    .map(|(n, name)| span(name, u8::try_from(n).unwrap_or(0) + 1, 1))
    .collect();
    let found = lint(&traces(spans));
    let text = text(&only(&found, Code::LintHighCardinalitySpanName));
    assert!(text.contains("`order {hex}`"), "{text}");
    assert!(text.contains("e.g. `order {id}`"), "{text}");
}

#[test]
fn patterns_are_per_service() {
    let mut linter = Linter::default();
    let names = ["GET /items/1", "GET /items/2", "GET /items/3"];
    // Distinct traces per call, so only the names repeat.
    let spans = |service: &str, first_trace: u8| {
        let spans = names
            .iter()
            .zip(first_trace..)
            .map(|(name, trace)| span(name, trace, 1))
            .collect();
        traces_of(Some(resource(Some(service))), spans)
    };
    assert_eq!(
        codes(&linter.inspect(&spans("a", 1), now())),
        vec![Code::LintHighCardinalitySpanName]
    );
    assert_eq!(
        codes(&linter.inspect(&spans("b", 10), now())),
        vec![Code::LintHighCardinalitySpanName]
    );
    assert_eq!(codes(&linter.inspect(&spans("a", 20), now())), vec![]);
}
