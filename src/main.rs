use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = otlp_doctor::cli::Cli::parse();
    ExitCode::from(otlp_doctor::commands::run(cli).code())
}
