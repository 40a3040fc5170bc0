#!/usr/bin/env bash
# The test command: setup + configure + build + ctest. CI runs exactly this.
#   scripts/test.sh            # build in build/, run every test
#   BUILD_DIR=b scripts/test.sh -R conformance   # extra args go to ctest
# Then the hardening stage (issue 16, bench/NOTES-fuzz.md; SEGRT_SANITIZE=0
# skips it): the ASan + UBSan build's test subset (scripts/sanitize.sh says
# which and why) and each fuzz harness for SEGRT_FUZZ_SECONDS (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$JOBS"
# Every Debian package the build read must come from setup.sh (a fresh machine has nothing else).
python3 scripts/check_deps.py "$BUILD_DIR"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" "$@")
if [ "${SEGRT_SANITIZE:-1}" != 0 ] && [ $# -eq 0 ]; then
  JOBS=$JOBS scripts/sanitize.sh
  [ "${SEGRT_FUZZ_SECONDS:-30}" = 0 ] || JOBS=$JOBS scripts/fuzz.sh all "${SEGRT_FUZZ_SECONDS:-30}"
fi
