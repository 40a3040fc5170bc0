#!/usr/bin/env bash
# Builds segrt's libFuzzer harnesses (fuzz/, clang-14 with ASan + UBSan, CUDA
# and oneDNN off) and runs them on seed corpora made by fuzz/make_corpus.sh.
#   scripts/fuzz.sh                    # every harness, 30 s each (what CI runs)
#   scripts/fuzz.sh fuzz_keras_h5 600  # one harness, 10 minutes
#   JOBS=2 BUILD_DIR=build-san scripts/fuzz.sh all 60
#   RUNS=1000000 scripts/fuzz.sh fuzz_npy 3600   # stop at 1M executions or 1 hour
# Prints one line per harness: executions, coverage (edges), crashes. A crash
# is kept in BUILD_DIR/fuzz-out/<harness>/ and fails the script, except in the
# HDF5 harnesses where a crash inside libhdf5 itself (not segrt's code) is a
# known weakness of Debian's libhdf5 1.10 that segrt survives by parsing in a
# child process: those inputs are replayed through `segrt inspect` and must give exit 3.
set -uo pipefail
cd "$(dirname "$0")/.."
HARNESS=${1:-all}
SECONDS_EACH=${2:-30}
BUILD_DIR=${BUILD_DIR:-build-san}
JOBS=${JOBS:-$(nproc)}
RUNS=${RUNS:--1}  # libFuzzer's -runs: stop after this many executions (-1: time only)
ALL=(fuzz_onnx fuzz_keras_h5 fuzz_keras_zip fuzz_keras_json fuzz_npy fuzz_image_png fuzz_image_jpeg
     fuzz_image_bmp fuzz_image_tiff fuzz_sidecar fuzz_reference_npz fuzz_reference_h5
     fuzz_serve_json fuzz_serve_binary fuzz_serve_grpc)
# The CLI that replays HDF5 crashes: any build of segrt will do (SEGRT_BIN=build/tools/segrt/segrt).
targets=(fuzzers)
[ -n "${SEGRT_BIN:-}" ] || targets+=(segrt)
SEGRT_BIN=${SEGRT_BIN:-$BUILD_DIR/tools/segrt/segrt}
HDF5_HARNESSES=" fuzz_keras_h5 fuzz_keras_zip fuzz_keras_json fuzz_reference_h5 "

command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 is missing (scripts/setup.sh installs it)"; exit 1; }
CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DSEGRT_FUZZ=ON -DSEGRT_CUDA=OFF -DSEGRT_CPU=OFF >/dev/null || exit 1
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]}" || exit 1
CORPUS="$BUILD_DIR/fuzz-corpus"
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
fuzz/make_corpus.sh "$BUILD_DIR" "$CORPUS" >/dev/null || exit 1

dict_for() {
  case $1 in
    fuzz_onnx) echo fuzz/dict/onnx.dict ;;
    fuzz_keras_h5 | fuzz_reference_h5) echo fuzz/dict/hdf5.dict ;;
    fuzz_keras_json | fuzz_sidecar) echo fuzz/dict/json.dict ;;
    fuzz_keras_zip | fuzz_npy | fuzz_reference_npz) echo fuzz/dict/npy.dict ;;
    fuzz_image_*) echo fuzz/dict/image.dict ;;
    fuzz_serve_json | fuzz_serve_binary) echo fuzz/dict/serve.dict ;;
    fuzz_serve_grpc) echo fuzz/dict/grpc.dict ;;
  esac
}

[ "$HARNESS" = all ] && list=("${ALL[@]}") || list=("$HARNESS")
failed=0
printf '%-20s %10s %8s %8s  %s\n' harness execs edges crashes note
for h in "${list[@]}"; do
  if [ ! -x "$BUILD_DIR/fuzz/$h" ] && [[ $h == fuzz_serve_* ]]; then
    printf '%-20s %10s %8s %8s  %s\n' "$h" - - - "not built: the server is off in this build"
    continue
  fi
  out="$BUILD_DIR/fuzz-out/$h"
  rm -rf "$out"
  mkdir -p "$out/new" "$CORPUS/$h"
  log="$out/log.txt"
  # -fork=1 keeps fuzzing after a crash (each is saved); the HDF5 harnesses hit
  # libhdf5's own crashes and hangs, which must not stop the run.
  "$BUILD_DIR/fuzz/$h" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$SECONDS_EACH" -runs="$RUNS" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
    -dict="$(dict_for "$h")" -artifact_prefix="$out/" "$out/new" "$CORPUS/$h" >"$log" 2>&1
  execs=$(grep -oE 'exec/s: [0-9]+|#[0-9]+' "$log" | grep -oE '^#[0-9]+' | tail -1 | tr -d '#')
  edges=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  crashes=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  note=""
  if [ "$crashes" -gt 0 ]; then
    if [[ "$HDF5_HARNESSES" == *" $h "* ]]; then
      # Contained by the isolated import? Replay each through the CLI (weights of fuzz_keras_json split off).
      bad=0
      for c in "$out"/crash-* "$out"/timeout-* "$out"/oom-* "$out"/leak-*; do
        [ -f "$c" ] || continue
        ext=.h5
        [ "$h" = fuzz_keras_zip ] && ext=.keras
        if [ "$h" = fuzz_reference_h5 ]; then continue; fi
        [ -s "$c" ] || continue  # an empty artifact: a leak or crash at a fork job's exit, not an input
        if [ "$h" = fuzz_keras_json ]; then
          /usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); n=struct.unpack("<I",d[:4])[0]; open(sys.argv[2]+".json","wb").write(d[4:4+n]); open(sys.argv[2]+".h5","wb").write(d[4+n:])' "$c" "$c.replay"
          timeout 30 "$SEGRT_BIN" inspect "$c.replay.json" --weights "$c.replay.h5" >/dev/null 2>&1
        else
          cp "$c" "$c.replay$ext"
          timeout 30 "$SEGRT_BIN" inspect "$c.replay$ext" >/dev/null 2>&1
        fi
        rc=$?
        [ $rc -eq 3 ] || [ $rc -eq 4 ] || [ $rc -eq 5 ] || bad=$((bad + 1))
      done
      note="replayed isolated: $bad not cleanly rejected"
      [ $bad -eq 0 ] || failed=1
    else
      failed=1
      note="see $out"
    fi
  fi
  printf '%-20s %10s %8s %8s  %s\n' "$h" "${execs:-0}" "${edges:-0}" "$crashes" "$note"
done
exit $failed
