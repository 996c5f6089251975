#!/usr/bin/env bash
# probe-server under fleet load, run by hand (never by the default tests): 10 rounds of 500
# concurrent probes (a live serve, a closed port, a silent server) with /metrics scraped
# throughout; prints each round's wall time, slowest probe, slowest /metrics, open descriptors and
# resident set, and fails on a wrong answer, a probe over 2.3 s (its timeout is 2 s),
# /metrics over 0.9 s, or growth.
# The test is tests/it/probe_server.rs (five_hundred_concurrent_probes_for_ten_rounds_stay_bounded).
# Usage: bash bench/probe_fleet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --test it probe_server::five_hundred -- --ignored --nocapture --test-threads 1
