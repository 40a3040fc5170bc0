#!/usr/bin/env bash
# The malformed Keras files of ../shared/fuzz-findings (found by mutation
# fuzzing; they crash or hang libhdf5 1.10 itself): `segrt inspect` must exit 3
# naming the file within 10 s, every run, because the HDF5 parse runs in a
# limited child process (import/isolate.h). Each file is run three times (one
# of them behaves differently from run to run).
# Usage: fuzz_findings.test.sh path/to/segrt   (exit 77 = skipped)
set -uo pipefail
SEGRT=${1:?usage: fuzz_findings.test.sh path/to/segrt}
SRC=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR="$SRC/../shared/fuzz-findings"
shopt -s nullglob
files=("$DIR"/*.h5)
if [ ${#files[@]} -eq 0 ]; then
  echo "SKIP: $DIR holds no .h5 files (the fuzz findings live outside the repository)"
  exit 77
fi
failures=0
for f in "${files[@]}"; do
  for run in 1 2 3; do
    start=$(date +%s%N)
    err=$(timeout -s KILL 20 "$SEGRT" inspect "$f" 2>&1 >/dev/null)
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    name=$(basename "$f")
    if [ "$rc" -eq 3 ] && grep -qF "$name" <<<"$err" && [ "$ms" -lt 10000 ]; then
      printf 'ok   %s run %d: exit 3 in %d ms: %s\n' "$name" "$run" "$ms" "$err"
    else
      printf 'FAIL %s run %d: exit %d in %d ms (want 3 within 10 s, message naming the file): %s\n' \
        "$name" "$run" "$rc" "$ms" "$err"
      failures=$((failures + 1))
    fi
  done
done
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all ${#files[@]} fuzz findings rejected cleanly"
