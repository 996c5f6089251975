//! `otlp-doctor explain`: looks an error message, a log line, a whole piped log or a finding code
//! up in the knowledge base and prints cause, fix and links; `--list` prints every code. Offline;
//! the exit status is 0 whether or not anything matched.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::ExplainArgs;
use crate::knowledge::answer::{Answer, Catalog};
use crate::knowledge::matcher::Matcher;
use crate::knowledge::{self, areas, entries};
use crate::printer::Printer;
use crate::report::Code;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use std::io::{self, IsTerminal, Read};

/// A piped log is read up to this size; the matcher looks at its first lines only anyway
/// ([`crate::knowledge::matcher::MAX_LINES`]), and a larger input is almost surely a mistake.
const MAX_STDIN_BYTES: u64 = 8 * 1024 * 1024;

/// Words after which (or `=`/`:` after which) a pasted log carries a credential.
const SECRET_KEYS: &[&str] = &[
    "bearer",
    "basic",
    "token",
    "authorization",
    "api-key",
    "api_key",
    "apikey",
    "x-api-key",
    "access_token",
    "password",
    "secret",
    "x-honeycomb-team",
    "dd-api-key",
    "signoz-ingestion-key",
];

/// What `explain` was asked.
pub struct Settings {
    pub question: Question,
    pub format: Format,
}

/// Every code, or one text to look up.
pub enum Question {
    List,
    /// The text (from the arguments or stdin) and how many matches to show at most.
    Lookup {
        query: String,
        limit: usize,
    },
}

impl CommandSettings for Settings {
    /// The query is echoed in JSON and Markdown output, so its credentials are masked.
    fn printer(&self) -> Printer {
        let redactor = match &self.question {
            Question::List => Redactor::new(),
            Question::Lookup { query, .. } => secrets_in(query),
        };
        Printer::new(self.format, redactor)
    }
}

/// Reads the query (from stdin when no words are given); an empty one is refused.
pub fn settings(args: ExplainArgs) -> Result<Settings, CommandError> {
    if let Some(refusal) = args.format.refused_by("explain") {
        return Err(CommandError::CannotRun(refusal));
    }
    // The knowledge base answers for every SDK alike for now; a bad OTEL_DOCTOR_SDK is still
    // refused here exactly as on the other commands.
    super::target::choose_sdk(&args.sdk)?;
    let question = if args.list {
        Question::List
    } else {
        Question::Lookup {
            query: query_text(&args.text)?,
            limit: usize::from(args.limit),
        }
    };
    Ok(Settings {
        question,
        format: args.format,
    })
}

/// Prints the answer; the exit status is 0 whether or not anything matched.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let mut output = Vec::new();
    match settings.question {
        Question::List => Catalog::new(areas(), entries()).render(
            settings.format,
            printer.color(),
            &mut output,
        )?,
        Question::Lookup { query, limit } => {
            let answer = match Code::parse(&query).and_then(knowledge::entry) {
                Some(entry) => Answer::for_entry(query.clone(), entry),
                None => {
                    Answer::from_matches(query.clone(), Matcher::global().search(&query, limit))
                }
            };
            answer.render(settings.format, printer.color(), &mut output)?;
        }
    }
    printer.line(String::from_utf8_lossy(&output).trim_end_matches('\n'));
    Ok(Outcome::Done)
}

/// The words joined with spaces, or stdin when there are none or just `-`.
fn query_text(words: &[String]) -> Result<String, CommandError> {
    let from_stdin = words.is_empty() || (words.len() == 1 && words[0] == "-");
    let text = if from_stdin {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            return Err(nothing_to_explain());
        }
        let mut bytes = Vec::new();
        stdin.lock().take(MAX_STDIN_BYTES).read_to_end(&mut bytes)?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        words.join(" ")
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(nothing_to_explain());
    }
    Ok(text.to_string())
}

fn nothing_to_explain() -> CommandError {
    CommandError::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        "nothing to explain: pass the error text or a finding code, pipe a log into `otlp-doctor explain -`, or use --list",
    ))
}

/// A pasted log may hold a token (`Authorization: Bearer abc…`, `api-key=…`, a whole
/// `OTEL_EXPORTER_OTLP_HEADERS` list); the query is echoed in JSON and Markdown output, so such
/// values are registered for masking.
fn secrets_in(query: &str) -> Redactor {
    let trim = |s: &str| {
        s.trim_matches(|c: char| "\"'` ()[]{}".contains(c))
            .to_string()
    };
    let mut redactor = Redactor::new();
    let mut next_is_secret = false;
    for item in query.split(|c: char| c.is_whitespace() || ",;&".contains(c)) {
        let item = trim(item);
        if item.is_empty() {
            continue;
        }
        if std::mem::take(&mut next_is_secret) && !is_secret_key(&item) {
            // A free-standing word after `Authorization:` or `Bearer` is masked only when it
            // looks like a token, not like the next word of a sentence.
            if looks_like_token(&item) {
                redactor.add(&item);
            }
            continue;
        }
        let parts: Vec<String> = item.split(['=', ':']).map(trim).collect();
        for (index, part) in parts.iter().enumerate() {
            if !is_secret_key(part) {
                continue;
            }
            match parts.get(index + 1) {
                Some(value) if !value.is_empty() && !is_secret_key(value) => {
                    redactor.add(value);
                    // `Bearer%20abc` in an URL-encoded header list.
                    if let Some((_, token)) = value.split_once("%20") {
                        redactor.add(token);
                    }
                }
                _ => next_is_secret = true,
            }
        }
    }
    redactor
}

fn looks_like_token(word: &str) -> bool {
    word.chars().count() >= 8
        && (word.chars().any(|c| !c.is_alphabetic()) || word.chars().count() >= 20)
}

fn is_secret_key(word: &str) -> bool {
    SECRET_KEYS.iter().any(|key| key.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_pasted_log_are_masked() {
        let token = "tok3n-abcdefghijklmnopqrstuvwxyz";
        for query in [
            format!("401 Unauthorized, sent Authorization: Bearer {token}"),
            format!("OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20x,api-key={token}"),
            format!("headers: x-honeycomb-team={token}"),
            format!("\"authorization\": \"Bearer {token}\""),
            format!("OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20{token}"),
        ] {
            let redacted = secrets_in(&query).redact(&query);
            assert!(!redacted.contains(token), "{query} → {redacted}");
        }
        for plain in [
            "Authorization header contains unsupported authorization scheme",
            "Authorization required by the backend",
        ] {
            assert_eq!(secrets_in(plain).redact(plain), plain);
        }
    }

    #[test]
    fn words_are_joined_and_empty_input_is_refused() {
        let words = ["tcp".to_string(), "connect".into(), "error".into()];
        assert_eq!(
            query_text(&words).ok().as_deref(),
            Some("tcp connect error")
        );
        assert!(query_text(&["  ".to_string()]).is_err());
    }
}
