#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs the real peers the tests run against,
# runs every test, then fuzzes every parser for a bounded time (scripts/fuzz.sh). Works on a
# fresh Debian machine with the Rust toolchain (stable and nightly), Python 3 + pip and apt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --locked --all-targets --no-fail-fast
bash scripts/fuzz.sh
