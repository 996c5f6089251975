use clap::Parser;
use std::process::ExitCode;

/// Counts allocations so `overhead` can report allocations per span; it forwards to the system
/// allocator and costs two atomic additions per call.
#[global_allocator]
static ALLOC: otlp_doctor::overhead::CountingAllocator =
    otlp_doctor::overhead::CountingAllocator::new();

fn main() -> ExitCode {
    let cli = otlp_doctor::cli::Cli::parse();
    ExitCode::from(otlp_doctor::commands::run(cli).code())
}
