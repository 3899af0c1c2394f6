#!/usr/bin/env bash
# Installs dependencies, builds everything (Release) and runs the whole test suite with ctest.
# Models come from ATTNSCOPE_MODELS (default: ../shared/models beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export ATTNSCOPE_MODELS="${ATTNSCOPE_MODELS:-$(cd .. && pwd)/shared/models}"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2
ctest --test-dir build/release --output-on-failure -j2
