//! The report model (findings, checks, verdict), secret masking, and the renderers.

pub mod charts;
pub mod exit;
pub mod finding;
pub mod layer;
pub mod listing;
pub mod mask;
pub mod model;
pub mod page;
pub mod phases;
pub mod render;
pub mod section;
pub mod trace;
pub mod watch;

pub use crate::knowledge::code::{self, Code};
pub use exit::ExitStatus;
pub use finding::{Finding, Severity};
pub use model::{CheckRecord, CheckStatus, Report, SdkSummary, TargetSummary, Verdict};
pub use section::{Section, Typed};
