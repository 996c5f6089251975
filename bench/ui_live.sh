#!/usr/bin/env bash
# The web view's acceptance under load, run by hand (never by the default tests): `load` sends
# 10,000 spans/s over gRPC to `serve --ui` for UI_LIVE_SECONDS (default 40) while the trace list is
# open in headless Chromium; prints how often the list showed something new, the page's JS heap and
# serve's resident set every 5 s, and fails if the list went a second without an update or either
# memory grew once the store was full. The test is tests/it/ui.rs
# (ten_thousand_spans_a_second_keep_the_list_live_and_memory_bounded).
#
# Needs: bash scripts/test-deps.sh (Chromium and chromedriver). Usage: bash bench/ui_live.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export UI_LIVE_SECONDS="${UI_LIVE_SECONDS:-40}"
cargo test --locked --test it ui::ten_thousand_spans_a_second -- --ignored --nocapture --test-threads 1
