//! Fault injection: `serve` can answer like a broken or strict collector on purpose, so users
//! (and our tests) can watch how their SDK reacts to each failure: a required header, a share of
//! failed requests, a delay, and partial success.

use crate::otlp::rpc::status_with_retry_delay;
use std::time::Duration;

/// The delay a throttled answer asks for (`Retry-After` / `RetryInfo`).
pub const THROTTLE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How an injected failure answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailureKind {
    /// gRPC UNAVAILABLE / HTTP 503: retryable.
    Unavailable,
    /// gRPC RESOURCE_EXHAUSTED with RetryInfo / HTTP 429 with Retry-After.
    Throttled,
    /// gRPC INTERNAL / HTTP 500.
    ServerError,
}

/// What the receiver does to each request besides accepting it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPolicy {
    /// Requests without this header (name lowercase) and value are refused as unauthenticated.
    pub require_header: Option<(String, String)>,
    /// Share of requests, 0.0..=1.0, that fail with `fail_with`.
    pub fail_rate: f64,
    pub fail_with: Option<FailureKind>,
    /// Wait before answering.
    pub delay: Duration,
    /// Items rejected in each accepted request, reported as partial success.
    pub reject_partial: u64,
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Accept, rejecting this many items as partial success.
    Accept {
        rejected: u64,
    },
    Unauthenticated,
    Fail(FailureKind),
}

impl FaultPolicy {
    /// No fault can fire: nothing required, nothing failed, delayed or rejected. (`fail_with`
    /// alone does nothing while `fail_rate` is 0, and the command line always sets it.)
    pub fn is_inactive(&self) -> bool {
        self.require_header.is_none()
            && self.fail_rate == 0.0
            && self.delay.is_zero()
            && self.reject_partial == 0
    }

    /// Decides a request given a way to read its headers (gRPC metadata or HTTP headers).
    pub fn decide(&self, header: impl Fn(&str) -> Option<String>, items: u64) -> Decision {
        if let Some((name, value)) = &self.require_header
            && header(name).as_deref() != Some(value.as_str())
        {
            return Decision::Unauthenticated;
        }
        if self.fail_rate > 0.0 && rand::random::<f64>() < self.fail_rate {
            return Decision::Fail(self.fail_with.unwrap_or(FailureKind::Unavailable));
        }
        Decision::Accept {
            rejected: self.reject_partial.min(items),
        }
    }
}

/// The gRPC status of a refused request.
pub fn grpc_status(decision: Decision) -> Option<tonic::Status> {
    match decision {
        Decision::Accept { .. } => None,
        Decision::Unauthenticated => Some(tonic::Status::unauthenticated(
            "otlp-doctor serve: missing or wrong required header",
        )),
        Decision::Fail(FailureKind::Unavailable) => Some(tonic::Status::unavailable(
            "otlp-doctor serve: injected failure (--fail-with unavailable)",
        )),
        Decision::Fail(FailureKind::ServerError) => Some(tonic::Status::internal(
            "otlp-doctor serve: injected failure (--fail-with server-error)",
        )),
        Decision::Fail(FailureKind::Throttled) => {
            let message = "otlp-doctor serve: injected throttling (--fail-with throttled)";
            let code = tonic::Code::ResourceExhausted;
            let details = status_with_retry_delay(code as i32, message, THROTTLE_RETRY_AFTER);
            Some(tonic::Status::with_details(code, message, details.into()))
        }
    }
}

/// The HTTP status (and Retry-After) of a refused request.
pub fn http_status(decision: Decision) -> Option<(http::StatusCode, Option<u64>, &'static str)> {
    match decision {
        Decision::Accept { .. } => None,
        Decision::Unauthenticated => Some((
            http::StatusCode::UNAUTHORIZED,
            None,
            "missing or wrong required header",
        )),
        Decision::Fail(FailureKind::Unavailable) => Some((
            http::StatusCode::SERVICE_UNAVAILABLE,
            None,
            "injected failure (--fail-with unavailable)",
        )),
        Decision::Fail(FailureKind::ServerError) => Some((
            http::StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "injected failure (--fail-with server-error)",
        )),
        Decision::Fail(FailureKind::Throttled) => Some((
            http::StatusCode::TOO_MANY_REQUESTS,
            Some(THROTTLE_RETRY_AFTER.as_secs()),
            "injected throttling (--fail-with throttled)",
        )),
    }
}

/// The partial-success message the receiver sends with rejected items.
pub fn partial_message(rejected: u64) -> String {
    format!("otlp-doctor serve --reject-partial: rejected {rejected} items on purpose")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_kind_without_a_rate_is_inactive() {
        let policy = FaultPolicy {
            fail_with: Some(FailureKind::Unavailable),
            ..FaultPolicy::default()
        };
        assert!(policy.is_inactive());
        let failing = FaultPolicy {
            fail_rate: 0.5,
            ..policy
        };
        assert!(!failing.is_inactive());
    }

    #[test]
    fn required_header_is_checked_first() {
        let policy = FaultPolicy {
            require_header: Some(("x-token".into(), "s3cret".into())),
            ..FaultPolicy::default()
        };
        assert_eq!(policy.decide(|_| None, 1), Decision::Unauthenticated);
        assert_eq!(
            policy.decide(|_| Some("s3cret".into()), 1),
            Decision::Accept { rejected: 0 }
        );
    }

    #[test]
    fn fail_rate_one_always_fails_and_partial_is_capped() {
        let failing = FaultPolicy {
            fail_rate: 1.0,
            fail_with: Some(FailureKind::Throttled),
            ..FaultPolicy::default()
        };
        assert_eq!(
            failing.decide(|_| None, 1),
            Decision::Fail(FailureKind::Throttled)
        );
        let partial = FaultPolicy {
            reject_partial: 5,
            ..FaultPolicy::default()
        };
        assert_eq!(
            partial.decide(|_| None, 3),
            Decision::Accept { rejected: 3 }
        );
        let status = grpc_status(Decision::Fail(FailureKind::Throttled)).expect("refused");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        assert!(!status.details().is_empty());
    }
}
