#!/usr/bin/env bash
# Every GPU test and the GPU benchmarks in one command, run on a GPU machine
# from a prebuilt bundle (scripts/gpu-bundle.sh makes it here: binaries, the
# non-system libraries they need, the test models). Ends with a summary table.
#
#   scripts/gpu-bundle.sh                    # here: build + collect into .bundle
#   bash .bundle/gpu-test.sh                 # there, from the repository root
#   QUICK=1 bash .bundle/gpu-test.sh         # tests only, no benchmarks
#   PRECISIONS=fp32 CFGS=256x1,512x16 bash .bundle/gpu-test.sh   # limit the timings
#   SEGRT_CUDA_PROFILE=2 ...                 # per-step times of the bench test into steps.txt
#   PTX_JIT=1 BUNDLE=.bundle-ptx75 bash .bundle-ptx75/gpu-test.sh
#       # the oldest architecture's code on this GPU: a bundle carrying only
#       # compute_75 PTX and no machine code (checked with cuobjdump), so the
#       # driver must JIT-compile segrt's kernels from that PTX (tests only).
#       # FORCE_PTX_JIT=1 also sets CUDA_FORCE_PTX_JIT=1; that applies to every
#       # library in the process, and cuBLAS 13 then fails in cublasCreate
#       # (CUBLAS_STATUS_INTERNAL_ERROR, seen on an H200), so it is off by default.
# Results also go to $OUT (or /tmp/segrt-gpu) as files.
set -uo pipefail
B=${BUNDLE:-.bundle}
R=${OUT:-/tmp/segrt-gpu}   # results (at most 8 files: the device tool returns $OUT)
W=$(mktemp -d)             # wrappers and scratch
mkdir -p "$R"
PY=python3
CUDNN_LIB=$($PY -c "import nvidia.cudnn as m; print(list(m.__path__)[0] + '/lib')" 2>/dev/null || true)
# The bundled libraries are Debian's: only segrt's own processes see them
# (python3 and torch keep the machine's), through two small wrappers.
LIBS="$PWD/$B/lib:${CUDNN_LIB}:/usr/local/cuda/lib64"
for b in segrt segrt_tests; do
  printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' "$LIBS" "$PWD/$B/bin/$b" > "$W/$b"
  chmod +x "$W/$b"
done
export SEGRT_SOURCE_DIR=$PWD SEGRT_SHARED_MODELS=$PWD/$B/shared SEGRT_GPU_MODELS=$PWD/$B/models
SEGRT=$W/segrt
M=$B/models
log() { echo "== $*" | tee -a "$R/summary.txt"; }
: > "$R/summary.txt"

if [ -n "${PTX_JIT:-}" ]; then
  QUICK=1
  [ -n "${FORCE_PTX_JIT:-}" ] && export CUDA_FORCE_PTX_JIT=1
  objs=$(ls "$B"/bin/* "$B"/lib/libsegrt* 2>/dev/null)
  elf=$(for f in $objs; do cuobjdump --list-elf "$f" 2>/dev/null; done | grep -c "sm_" || true)
  ptx=$(for f in $objs; do cuobjdump --list-ptx "$f" 2>/dev/null; done | grep -o "sm_[0-9]*\|compute_[0-9]*" | sort -u | tr '\n' ' ')
  log "mode: PTX JIT (CUDA_FORCE_PTX_JIT=${CUDA_FORCE_PTX_JIT:-0}); segrt's binaries carry $elf machine-code images, PTX for: $ptx"
  [ "$elf" = 0 ] || { log "PTX_JIT: the bundle carries machine code; build it with CUDA_ARCHS=75-virtual"; exit 1; }
fi
log "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
log "torch $($PY -c 'import torch; print(torch.__version__, "cudnn", torch.backends.cudnn.version())' 2>/dev/null)"
LD_LIBRARY_PATH=$LIBS ldd "$B/bin/segrt" | grep -E "not found|cudnn|cublas" | sed 's/^/   /'

# Models: the peer's U-Nets travel without their weights (seeded refill).
for n in unet16 unet64; do
  [ -f "$M/$n.onnx" ] || $PY "$B/gpu_models.py" fill "$M/$n.skel.onnx" "$M/$n.onnx"
done

# 1. Tests: every CUDA test (ops vs reference, models, graphs, errors) and the
# op tester (every op case on every built backend, CUDA included, against ref).
# SKIP_TESTS=1 skips them; PRECISIONS=fp32 limits the timings to those precisions.
t0=$(date +%s)
rc_tests=0
[ -n "${SKIP_TESTS:-}" ] || { "$W/segrt_tests" --gtest_filter='Cuda*:OpTester*:OpCases*' > "$R/tests.log" 2>&1; rc_tests=$?; }
grep -E "^\[cuda-(op|model)\]" "$R/tests.log" > "$R/errors.txt"
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED  \]|Failure|error:" "$R/tests.log" | head -40
log "CUDA tests: $(grep -E '^\[  PASSED  \]' "$R/tests.log" | head -1) $(grep -cE '^\[  FAILED  \] ' "$R/tests.log") failed lines, rc $rc_tests, $(( $(date +%s) - t0 )) s"
# `segrt run --backend cuda --verbose` on models using every op once run on the host: 0 host nodes.
if [ -z "${SKIP_TESTS:-}" ]; then
  bash tests/cuda/gpu_ops_run.test.sh "$SEGRT" > "$W/gpu_ops_run.log" 2>&1; r=$?
  [ $r -eq 0 ] || [ $r -eq 77 ] || rc_tests=1
  log "segrt run --verbose, no host nodes: $(tail -n 1 "$W/gpu_ops_run.log")"
fi
# Timed U-Net runs inside the test binary (compute vs copies, CUDA graph on).
SEGRT_GPU_BENCH=${PRECISIONS:-1} SEGRT_CUDA_PROFILE=${SEGRT_CUDA_PROFILE:-1} "$W/segrt_tests" --gtest_filter='CudaBench*' > "$W/bench_test.log" 2>&1
grep -E "^\[cuda-(bench|profile)\]|FAILED|Skipped" "$W/bench_test.log" | tee -a "$R/summary.txt"
grep -E "^\[cuda-step\]" "$W/bench_test.log" > "$R/steps.txt"
grep -E '^\{' "$W/bench_test.log" > "$R/bench_test.jsonl"

# 2. fp16 drift against the fp32 reference (segrt compare), when built in.
if "$SEGRT" compare --help > /dev/null 2>&1; then
  $PY -c "import numpy as np; np.save('$W/x.npy', np.random.RandomState(0).rand(1,1,128,128).astype(np.float32))"
  for p in fp16 bf16; do  # the whole per-layer drift table (issue 7)
    log "segrt compare $M/unet16.onnx --backend cuda --precision $p (vs ref fp32, 128x128)"
    "$SEGRT" compare "$M/unet16.onnx" -i "$W/x.npy" --backend cuda --precision $p --all 2>&1 | tee -a "$R/summary.txt"
  done
fi
[ -n "${QUICK:-}" ] && { cat "$R/summary.txt"; exit $rc_tests; }

# 3. Benchmarks: segrt and the PyTorch peer, same run, same card.
: > "$R/bench.jsonl"
bench() {  # precision HxW batch
  "$SEGRT" bench "$M/unet64.onnx" --backend cuda --precision $1 --shape $2 --batch $3 --iterations 50 --warmup 5 \
    --json 2>&1 | tail -n 1 >> "$R/bench.jsonl"
}
CFGS=${CFGS:-256x1,512x1,256x16,512x16}
want() { case ",${PRECISIONS:-1}," in *,$1,*|*,1,*) return 0;; esac; return 1; }
if "$SEGRT" bench --help 2>&1 | grep -q -- "--iterations"; then
  for p in fp16 fp32; do
    want $p || continue
    for c in ${CFGS//,/ }; do bench $p ${c%x*}x${c%x*} ${c#*x}; done
  done
  want bf16 && bench bf16 512x512 16
  want tf32 && bench tf32 512x512 16
else
  log "segrt bench is not in this build: no segrt timings"
fi
: > "$R/peer.jsonl"
want fp16 && $PY $B/bench/peer_unet.py "$M" fp16cl_graph "$CFGS" >> "$R/peer.jsonl" 2>> "$R/peer.err"
want fp32 && $PY $B/bench/peer_unet.py "$M" fp32 "$CFGS" >> "$R/peer.jsonl" 2>> "$R/peer.err"
tail -n 3 "$R/peer.err"
# segrt numbers: `segrt bench` when built in, else the bench test's rows (same fields).
[ -s "$R/bench.jsonl" ] || cp "$R/bench_test.jsonl" "$R/bench.jsonl"
$PY $B/bench/gpu_summary.py "$R/bench.jsonl" "$R/peer.jsonl" | tee -a "$R/summary.txt"
exit $rc_tests
