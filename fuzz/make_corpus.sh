#!/usr/bin/env bash
# Builds the seed corpora of the fuzz harnesses in OUTDIR/<harness>/ from
# real files: ../shared/models (never copied into the repository: only into
# OUTDIR, a build folder), the ONNX backend test models of Debian's
# libonnx-testdata, the repository's models/ and examples/, fuzz/corpus/
# (small files crafted for this project) and fuzz_seeds' generated images
# and NumPy files. Files over 1 MiB are left out: libFuzzer mutates small
# inputs far faster, and the structure is the same.
# Usage: fuzz/make_corpus.sh BUILD_DIR OUTDIR
set -euo pipefail
BUILD=${1:?usage: make_corpus.sh BUILD_DIR OUTDIR}
OUT=${2:?usage: make_corpus.sh BUILD_DIR OUTDIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SHARED="$SRC/../shared/models"
MAX=$((1 << 20))
mkdir -p "$OUT"
"$BUILD/fuzz/fuzz_seeds" "$OUT" >/dev/null

# seed HARNESS FILE...: copies the small ones under a name made from their path.
seed() {
  local h=$1
  shift
  mkdir -p "$OUT/$h"
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le $MAX ] || continue
    local rel=${f#"$SRC"/}
    rel=${rel#../shared/models/}
    cp "$f" "$OUT/$h/$(echo "$rel" | tr '/' '_')"
  done
}

shopt -s nullglob globstar
seed fuzz_onnx "$SRC"/tests/cuda/data/*.onnx "$SHARED"/**/*.onnx
# A sample of the ONNX node tests: every 8th case keeps the corpus quick to load.
i=0
for m in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
  if [ $((i++ % 8)) -eq 0 ]; then
    d=$(basename "$(dirname "$m")")
    mkdir -p "$OUT/fuzz_onnx" && cp "$m" "$OUT/fuzz_onnx/node_$d.onnx"
  fi
done
# Every control-flow case (If / Loop / Scan subgraphs, reads of enclosing values): few, and easy to miss in a sample.
for m in /usr/share/libonnx-testdata/data/node/test_{if,loop,scan,range}*/model.onnx; do
  d=$(basename "$(dirname "$m")")
  mkdir -p "$OUT/fuzz_onnx" && cp "$m" "$OUT/fuzz_onnx/node_$d.onnx"
done
h5_models=()
h5_refs=()
for f in "$SHARED"/**/*.h5 "$SHARED"/**/*.hdf5; do
  case "$f" in
    *_inputs_and_outputs.h5) h5_refs+=("$f") ;;
    *_weights.h5) ;;
    *) h5_models+=("$f") ;;
  esac
done
seed fuzz_keras_h5 "${h5_models[@]}"
seed fuzz_reference_h5 "${h5_refs[@]}"
seed fuzz_keras_zip "$SHARED"/**/*.keras
mkdir -p "$OUT/fuzz_keras_json"
for cfg in "$SHARED"/**/*_config.json; do
  w="${cfg%_config.json}_weights.h5"
  [ -f "$w" ] || continue
  [ $(($(stat -c %s "$cfg") + $(stat -c %s "$w"))) -le $MAX ] || continue
  # fuzz_keras_json's input: u32 little-endian JSON length, the JSON, the weights file.
  out="$OUT/fuzz_keras_json/$(basename "${cfg%_config.json}").bin"
  /usr/bin/python3 -c 'import struct,sys; j=open(sys.argv[1],"rb").read(); w=open(sys.argv[2],"rb").read(); open(sys.argv[3],"wb").write(struct.pack("<I",len(j))+j+w)' "$cfg" "$w" "$out"
done
seed fuzz_sidecar "$SRC"/models/*.segrt.json
seed fuzz_image_png "$SRC"/examples/**/*.png
for h in "$SRC"/fuzz/corpus/*/; do
  seed "$(basename "$h")" "$h"*
done
for d in "$OUT"/*/; do
  printf '%-22s %5d files\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
