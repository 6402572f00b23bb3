#!/usr/bin/env bash
# Sets up a fresh machine and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build "$@"
