//! The one rate/stop policy of a load run. Every worker runs the same loop and asks the
//! [`Pacer`] for its next [`Ticket`]; the pacer alone decides whether another request is due
//! (item budget, deadline, cancellation) and when (the rate). Request `k` of a paced run is due at
//! `start + k × batch / rate`, so the schedule does not drift when a request is slow.

use super::plan::{Budget, LoadPlan};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Permission to send one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// 0, 1, 2… in the order tickets were handed out.
    pub index: u64,
    /// Items in this request: the batch size, or less for the last request of an item budget.
    pub items: u32,
}

/// Hands out tickets to any number of workers.
#[derive(Debug)]
pub struct Pacer {
    issued: AtomicU64,
    start: Instant,
    batch: u32,
    /// Requests of an item budget, and the items of the last one.
    limit: Option<(u64, u32)>,
    deadline: Option<Instant>,
    /// Time between due times of consecutive requests, from the rate.
    interval: Option<Duration>,
    cancel: CancellationToken,
}

impl Pacer {
    /// A pacer whose clock starts now; `cancel` makes every later [`Pacer::next`] return `None`.
    pub fn new(plan: &LoadPlan, cancel: CancellationToken) -> Pacer {
        let start = Instant::now();
        let batch = plan.batch_size.max(1);
        let (limit, deadline) = match plan.budget {
            Budget::Items(items) => {
                let requests = items.div_ceil(u64::from(batch));
                let rest = items - (requests.saturating_sub(1)) * u64::from(batch);
                (Some((requests, u32::try_from(rest).unwrap_or(batch))), None)
            }
            Budget::Duration(duration) => (None, Some(start + duration)),
        };
        let interval = plan
            .rate
            .map(|rate| Duration::from_secs_f64(f64::from(batch) / rate as f64));
        Pacer {
            issued: AtomicU64::new(0),
            start,
            batch,
            limit,
            deadline,
            interval,
            cancel,
        }
    }

    /// The next request to send, once it is due; `None` when the run is over.
    pub async fn next(&self) -> Option<Ticket> {
        if self.cancel.is_cancelled() {
            return None;
        }
        let index = self.issued.fetch_add(1, Ordering::Relaxed);
        let items = match self.limit {
            Some((requests, _)) if index >= requests => return None,
            Some((requests, last)) if index + 1 == requests => last,
            _ => self.batch,
        };
        let due = self.due(index);
        if self.deadline.is_some_and(|deadline| due >= deadline) {
            return None;
        }
        if due > Instant::now() {
            tokio::select! {
                () = self.cancel.cancelled() => return None,
                () = tokio::time::sleep_until(due) => {}
            }
        }
        Some(Ticket { index, items })
    }

    /// When request `index` is due: at once without a rate.
    fn due(&self, index: u64) -> Instant {
        match self.interval {
            None => Instant::now(),
            Some(interval) => {
                let offset = interval.as_secs_f64() * index as f64;
                self.start + Duration::from_secs_f64(offset)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::plan::tests::target;
    use crate::settings::Protocol;

    fn plan(budget: Budget, rate: u64, batch: u32) -> LoadPlan {
        LoadPlan::new(
            target("http://127.0.0.1:4318", Protocol::HttpProtobuf),
            budget,
            rate,
            2,
            batch,
            0,
            0,
        )
    }

    async fn drain(pacer: &Pacer) -> Vec<Ticket> {
        let mut tickets = Vec::new();
        while let Some(ticket) = pacer.next().await {
            tickets.push(ticket);
        }
        tickets
    }

    #[tokio::test]
    async fn an_item_budget_ends_with_a_short_request() {
        let pacer = Pacer::new(&plan(Budget::Items(1100), 0, 512), CancellationToken::new());
        let items: Vec<u32> = drain(&pacer).await.iter().map(|t| t.items).collect();
        assert_eq!(items, vec![512, 512, 76]);
        assert_eq!(pacer.next().await, None);
    }

    #[tokio::test]
    async fn a_rate_spaces_the_requests() {
        let pacer = Pacer::new(&plan(Budget::Items(40), 200, 10), CancellationToken::new());
        let started = Instant::now();
        assert_eq!(drain(&pacer).await.len(), 4);
        // Four requests of 10 at 200 items/s: due at 0, 50, 100 and 150 ms.
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(150) && elapsed < Duration::from_secs(2),
            "{elapsed:?}"
        );
    }

    #[tokio::test]
    async fn a_duration_budget_stops_at_the_deadline() {
        let pacer = Pacer::new(
            &plan(Budget::Duration(Duration::from_millis(200)), 100, 1),
            CancellationToken::new(),
        );
        // One request every 10 ms for 200 ms.
        assert_eq!(drain(&pacer).await.len(), 20);
    }

    #[tokio::test]
    async fn cancelling_stops_a_waiting_worker() {
        let cancel = CancellationToken::new();
        let pacer = Pacer::new(&plan(Budget::Items(1000), 1, 1), cancel.clone());
        assert!(pacer.next().await.is_some());
        let stopper = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            cancel.cancel();
        };
        let (next, ()) = tokio::join!(pacer.next(), stopper);
        assert_eq!(next, None);
    }
}
