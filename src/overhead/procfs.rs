//! CPU time and memory of this process, read from Linux `/proc` without `libc`: per-thread CPU
//! time in nanoseconds from `schedstat`, falling back to `stat` clock ticks (`getconf CLK_TCK`),
//! and the resident set from `statm`. Parsers are pure functions over the file text so they can
//! be tested anywhere; readers return `None` where `/proc` is missing (not Linux).

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Linux's `USER_HZ` on every mainstream architecture; used when `getconf` cannot be run.
const FALLBACK_CLOCK_TICKS: u64 = 100;
/// The x86-64 and arm64 default page size; used when `getconf` cannot be run.
const FALLBACK_PAGE_SIZE: u64 = 4096;

/// Where CPU time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuSource {
    /// `/proc/*/schedstat`: nanoseconds on the CPU.
    Schedstat,
    /// `/proc/*/stat` utime + stime, in clock ticks.
    StatTicks { ticks_per_second: u64 },
    /// No `/proc`: CPU time is not measured.
    Unavailable,
}

impl CpuSource {
    /// The best source this system offers.
    pub fn detect() -> CpuSource {
        if read("/proc/thread-self/schedstat")
            .as_deref()
            .and_then(parse_schedstat)
            .is_some()
        {
            CpuSource::Schedstat
        } else if read("/proc/thread-self/stat")
            .as_deref()
            .and_then(parse_stat_ticks)
            .is_some()
        {
            CpuSource::StatTicks {
                ticks_per_second: clock_ticks_per_second(),
            }
        } else {
            CpuSource::Unavailable
        }
    }

    /// The smallest step the source can show.
    pub fn resolution(self) -> Option<Duration> {
        match self {
            CpuSource::Schedstat => Some(Duration::from_nanos(1)),
            CpuSource::StatTicks { ticks_per_second } => Some(Duration::from_nanos(
                1_000_000_000 / ticks_per_second.max(1),
            )),
            CpuSource::Unavailable => None,
        }
    }

    pub fn describe(self) -> String {
        match self {
            CpuSource::Schedstat => "/proc/*/schedstat (nanoseconds)".into(),
            CpuSource::StatTicks { ticks_per_second } => format!(
                "/proc/*/stat utime+stime ({} ms ticks)",
                1000 / ticks_per_second.max(1)
            ),
            CpuSource::Unavailable => "not available (no /proc)".into(),
        }
    }

    /// CPU time of the calling thread so far.
    pub fn thread_cpu(self) -> Option<Duration> {
        self.bring_up_to_date();
        self.task_cpu(Path::new("/proc/thread-self"))
    }

    /// The kernel adds a running thread's CPU time to its `schedstat` only at a scheduler tick or
    /// a switch (1-4 ms steps), so the calling thread would read a stale value. `sched_yield`
    /// makes the fair scheduler account the time so far (`yield_task_fair` -> `update_curr`);
    /// threads that are not running (the idle batch processor and exporter) are always current.
    fn bring_up_to_date(self) {
        if self == CpuSource::Schedstat {
            std::thread::yield_now();
        }
    }

    /// CPU time of every live thread of the process except `excluded` (thread ids). Threads that
    /// already exited are not counted, so readings are only compared across spans of time in
    /// which the measured threads stay alive.
    pub fn process_cpu(self, excluded: &[u32]) -> Option<Duration> {
        if self == CpuSource::Unavailable {
            return None;
        }
        self.bring_up_to_date();
        let tasks = std::fs::read_dir("/proc/self/task").ok()?;
        let mut total = Duration::ZERO;
        for task in tasks.flatten() {
            let tid = task
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok());
            if tid.is_some_and(|tid| excluded.contains(&tid)) {
                continue;
            }
            // A thread that exits between listing and reading simply counts as zero.
            total += self.task_cpu(&task.path()).unwrap_or_default();
        }
        Some(total)
    }

    fn task_cpu(self, task: &Path) -> Option<Duration> {
        match self {
            CpuSource::Schedstat => read(task.join("schedstat"))
                .as_deref()
                .and_then(parse_schedstat),
            CpuSource::StatTicks { ticks_per_second } => read(task.join("stat"))
                .as_deref()
                .and_then(parse_stat_ticks)
                .map(|ticks| ticks_to_duration(ticks, ticks_per_second)),
            CpuSource::Unavailable => None,
        }
    }
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `/proc/<pid>/task/<tid>/schedstat`: "run-ns wait-ns timeslices"; the first field is the time
/// spent on the CPU in nanoseconds.
pub fn parse_schedstat(text: &str) -> Option<Duration> {
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// `/proc/<pid>/stat`: utime + stime (fields 14 and 15) in clock ticks. The command name (field
/// 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted from
/// the last `)`.
pub fn parse_stat_ticks(text: &str) -> Option<u64> {
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name come state (field 3) ... so utime (14) is the 12th field here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `/proc/<pid>/statm`: "size resident shared text lib data dt" in pages; the resident set.
pub fn parse_statm_resident_pages(text: &str) -> Option<u64> {
    text.split_whitespace().nth(1)?.parse().ok()
}

/// The target of the `/proc/thread-self` link, "<pid>/task/<tid>": the thread id.
pub fn parse_thread_self_link(target: &str) -> Option<u32> {
    let (_, tid) = target.trim().rsplit_once("/task/")?;
    tid.parse().ok()
}

fn ticks_to_duration(ticks: u64, ticks_per_second: u64) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / ticks_per_second.max(1))
}

/// The kernel thread id of the calling thread.
pub fn current_tid() -> Option<u32> {
    let target = std::fs::read_link("/proc/thread-self").ok()?;
    parse_thread_self_link(target.to_str()?)
}

/// The resident set size of this process in bytes.
pub fn resident_bytes() -> Option<u64> {
    let pages = parse_statm_resident_pages(&read("/proc/self/statm")?)?;
    Some(pages * page_size())
}

/// The processor's model name from `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    parse_cpu_model(&read("/proc/cpuinfo")?)
}

/// The first `model name` line of `/proc/cpuinfo` (x86), or `Hardware`/`CPU part` failing that.
pub fn parse_cpu_model(text: &str) -> Option<String> {
    ["model name", "Hardware", "CPU part"]
        .iter()
        .find_map(|wanted| {
            text.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == *wanted && !value.trim().is_empty())
                    .then(|| value.trim().to_string())
            })
        })
}

/// `getconf CLK_TCK`, read once.
pub fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| getconf("CLK_TCK").unwrap_or(FALLBACK_CLOCK_TICKS))
}

/// `getconf PAGESIZE`, read once.
pub fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(|| getconf("PAGESIZE").unwrap_or(FALLBACK_PAGE_SIZE))
}

fn getconf(name: &str) -> Option<u64> {
    let output = Command::new("getconf").arg(name).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()
        .filter(|&value| value > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_gives_nanoseconds_on_the_cpu() {
        assert_eq!(
            parse_schedstat("105502 0 1\n"),
            Some(Duration::from_nanos(105_502))
        );
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_schedstat("x 0 1"), None);
    }

    #[test]
    fn stat_ticks_add_utime_and_stime() {
        let line = "8971 (cat) R 8968 8968 19865 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 483926 3133440 408 18446744073709551615";
        assert_eq!(parse_stat_ticks(line), Some(10));
    }

    #[test]
    fn stat_ticks_survive_a_command_name_with_spaces_and_parentheses() {
        let line = "42 (a (b) c) S 1 42 42 0 -1 4194560 10 0 0 0 120 35 0 0 20 0 4 0 100 1000 50";
        assert_eq!(parse_stat_ticks(line), Some(155));
    }

    #[test]
    fn stat_ticks_of_a_truncated_line_are_none() {
        assert_eq!(parse_stat_ticks("42 (x) S 1 2 3"), None);
        assert_eq!(parse_stat_ticks("no parenthesis"), None);
    }

    #[test]
    fn statm_second_field_is_the_resident_set() {
        assert_eq!(
            parse_statm_resident_pages("765 440 412 5 0 123 0\n"),
            Some(440)
        );
        assert_eq!(parse_statm_resident_pages("765"), None);
    }

    #[test]
    fn thread_self_link_names_the_thread() {
        assert_eq!(parse_thread_self_link("8971/task/8975"), Some(8975));
        assert_eq!(parse_thread_self_link("8971"), None);
    }

    #[test]
    fn cpu_model_comes_from_the_first_model_name_line() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(parse_cpu_model(text).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(parse_cpu_model("processor : 0\n"), None);
    }

    #[test]
    fn ticks_convert_with_the_clock_rate() {
        assert_eq!(ticks_to_duration(3, 100), Duration::from_millis(30));
        assert_eq!(ticks_to_duration(3, 0), Duration::from_secs(3));
    }

    #[test]
    fn on_linux_the_readers_see_this_process() {
        if !Path::new("/proc/self/statm").exists() {
            return;
        }
        assert!(resident_bytes().is_some_and(|b| b > 0));
        assert!(current_tid().is_some());
        let source = CpuSource::detect();
        assert_ne!(source, CpuSource::Unavailable);
        assert!(source.thread_cpu().is_some());
        assert!(source.process_cpu(&[]).is_some());
    }
}
