#!/usr/bin/env bash
# Runs the engine threading test under ThreadSanitizer (tsan.cmake) with the
# documented suppressions; any report in segrt's own code fails the test.
#   tests/tsan/run_tsan.sh build/tests/segrt_tsan_threads
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Fewer runs than the plain test: every access costs ~10x under TSan, and the
# interleavings that matter (pool hand-over, plan building) happen in the first runs.
export SEGRT_THREAD_TEST_RUNS=${SEGRT_THREAD_TEST_RUNS:-10}
# libgomp is not instrumented: one OpenMP thread per run (the test sets
# Options::threads = 1) keeps its barriers out of the picture.
export OMP_NUM_THREADS=1
export TSAN_OPTIONS="suppressions=$here/suppressions.txt halt_on_error=0 exitcode=66 second_deadlock_stack=1 report_signal_unsafe=0"
set +e
"$bin" > "$log" 2>&1
rc=$?
set -e
cat "$log"
if grep -q "WARNING: ThreadSanitizer" "$log"; then
  echo "tsan: ThreadSanitizer reported the races above"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "tsan: the test failed (exit $rc)"
  exit 1
fi
echo "tsan: no reports"
