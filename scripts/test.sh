#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs the real peers the tests run against,
# then runs every test. Works on a fresh Debian machine with the Rust toolchain, Python 3 + pip
# and apt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
cargo test --locked --all-targets --no-fail-fast
