//! The validated settings of one load run: the target (endpoint, protocol, headers, TLS files,
//! compression and the per-request timeout, resolved like an SDK would), how much to send, how
//! fast, and what each item looks like. Built by the command before anything runs.

use crate::settings::target::Target;
use std::time::Duration;

/// When the run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// After this many items (spans, data points or log records) have been sent.
    Items(u64),
    /// When this much time has passed since the first request.
    Duration(Duration),
}

/// Everything a load run needs; see the fields.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    pub target: Target,
    pub budget: Budget,
    /// Items per second; `None` sends as fast as the endpoint answers.
    pub rate: Option<u64>,
    /// Requests in flight at once, one worker each.
    pub concurrency: usize,
    /// Items per request, after [`LoadPlan::new`] fitted it to the rate and the budget.
    pub batch_size: u32,
    /// Extra string attributes on every item, and the length of each value in bytes.
    pub attributes: u32,
    pub attribute_size: u32,
}

impl LoadPlan {
    /// A plan whose batch never exceeds the budget (a 100-span run sends one 100-span request)
    /// nor the rate (so a rate below the batch size still sends at least once a second).
    pub fn new(
        target: Target,
        budget: Budget,
        rate: u64,
        concurrency: u32,
        batch_size: u32,
        attributes: u32,
        attribute_size: u32,
    ) -> LoadPlan {
        let rate = (rate > 0).then_some(rate);
        let mut batch = u64::from(batch_size.max(1));
        if let Some(rate) = rate {
            batch = batch.min(rate);
        }
        if let Budget::Items(items) = budget {
            batch = batch.min(items.max(1));
        }
        LoadPlan {
            target,
            budget,
            rate,
            concurrency: usize::try_from(concurrency.max(1)).unwrap_or(1),
            batch_size: u32::try_from(batch).unwrap_or(batch_size),
            attributes,
            attribute_size,
        }
    }

    /// The items of the last request of an item budget, when it is shorter than a batch.
    pub fn tail_items(&self) -> Option<u32> {
        match self.budget {
            Budget::Items(items) => {
                let rest = items % u64::from(self.batch_size.max(1));
                u32::try_from(rest).ok().filter(|rest| *rest > 0)
            }
            Budget::Duration(_) => None,
        }
    }

    /// Bounds each request: connecting, sending and reading the answer.
    pub fn request_timeout(&self) -> Duration {
        self.target.step_timeout
    }

    /// The endpoint as printed: the gRPC origin, or the URL of the first signal's OTLP/HTTP path.
    pub fn endpoint(&self) -> String {
        let url = &self.target.url;
        if self.target.protocol.is_http() {
            url.with_path(self.target.first_http_path())
        } else {
            format!("{}://{}", url.scheme.as_str(), url.authority())
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::settings::endpoint::parse_endpoint;
    use crate::settings::target::TlsFiles;
    use crate::settings::{Compression, Protocol, Signal};

    pub(crate) fn target(url: &str, protocol: Protocol) -> Target {
        Target {
            signals: vec![Signal::Traces],
            url: parse_endpoint(url).expect("a valid URL"),
            configured: url.to_string(),
            protocol,
            protocol_chosen: true,
            headers: Vec::new(),
            http_paths: vec![(Signal::Traces, "/v1/traces".to_string())],
            tls: TlsFiles::default(),
            compression: Compression::None,
            step_timeout: Duration::from_secs(5),
            throttled: String::new(),
            outage: Default::default(),
            proxy: None,
        }
    }

    #[test]
    fn the_batch_fits_the_budget_and_the_rate() {
        let t = target("http://127.0.0.1:4318", Protocol::HttpProtobuf);
        let plan = LoadPlan::new(t.clone(), Budget::Items(100), 0, 4, 512, 0, 0);
        assert_eq!(plan.batch_size, 100);
        assert_eq!(plan.tail_items(), None);
        assert_eq!(plan.rate, None);
        let plan = LoadPlan::new(t.clone(), Budget::Items(10_000), 50, 4, 512, 0, 0);
        assert_eq!(plan.batch_size, 50);
        assert_eq!(plan.rate, Some(50));
        let plan = LoadPlan::new(plan.target, Budget::Items(1100), 0, 4, 512, 0, 0);
        assert_eq!(plan.tail_items(), Some(76));
        let plan = LoadPlan::new(t, Budget::Duration(Duration::from_secs(1)), 0, 0, 512, 0, 0);
        assert_eq!(plan.batch_size, 512);
        assert_eq!(plan.concurrency, 1);
    }

    #[test]
    fn the_endpoint_names_the_http_path_but_not_a_grpc_one() {
        let http = LoadPlan::new(
            target("http://127.0.0.1:4318", Protocol::HttpProtobuf),
            Budget::Items(1),
            0,
            1,
            1,
            0,
            0,
        );
        assert_eq!(http.endpoint(), "http://127.0.0.1:4318/v1/traces");
        let grpc = LoadPlan::new(
            target("http://[::1]:4317", Protocol::Grpc),
            Budget::Items(1),
            0,
            1,
            1,
            0,
            0,
        );
        assert_eq!(grpc.endpoint(), "http://[::1]:4317");
    }
}
