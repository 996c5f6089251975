#!/usr/bin/env bash
# Regenerates docs/sdk-fidelity.md: the differential matrix of real SDK clients against real
# endpoints, each cell compared with `check --sdk <lang>` (tests/it/fidelity.rs).
# Needs the peers of scripts/test-deps.sh (rotel, nginx, the SDK clients).
set -euo pipefail
cd "$(dirname "$0")/.."
OTLP_DOCTOR_WRITE_FIDELITY=1 cargo test --locked --test it fidelity::sdk_fidelity_matrix -- --exact
echo "wrote docs/sdk-fidelity.md"
