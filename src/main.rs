use clap::Parser;
use std::process::ExitCode;

/// Counts allocations so `overhead` can report allocations per span (one relaxed load per call
/// while counting is off). Underneath is mimalloc: under `serve` and `load`, glibc's malloc spent
/// a fifth of the CPU growing and trimming its heap (page faults, brk, munmap; see
/// docs/performance.md).
#[global_allocator]
static ALLOC: otlp_doctor::overhead::CountingAllocator<mimalloc::MiMalloc> =
    otlp_doctor::overhead::CountingAllocator::wrapping(mimalloc::MiMalloc);

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (libmimalloc-sys names only some
/// options); the test below checks the number against the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays mapped before mimalloc returns it to the system. Its default,
/// 1 s, is shorter than the gap between two exports of a batching SDK (5 s by default): `serve`
/// then paid for zeroing fresh pages on every burst (a quarter of its CPU in the profile).
const PURGE_DELAY_MS: std::ffi::c_long = 10_000;

fn main() -> ExitCode {
    // SAFETY: mimalloc's option setter is not thread-safe; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    let cli = otlp_doctor::cli::Cli::parse();
    ExitCode::from(otlp_doctor::commands::run(cli).code())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_number_names_the_purge_delay() {
        // mimalloc 3 documents purge_delay's default as 1000 ms; no neighbouring option has it.
        // SAFETY: reading an option; tests in this binary never set options.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1000);
    }
}
