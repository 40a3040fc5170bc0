#!/usr/bin/env bash
# The main command. On a fresh machine: installs the Debian packages, builds
# segrt, segments the two example EM images with the bundled U-Net on the best
# backend available (auto: CUDA with a usable GPU, else CPU), writes masks and
# overlays to out/, and prints per-image pixel accuracy and membrane Dice
# against the labels, and the time taken. Exits non-zero if an image scores
# below pixel accuracy 0.90 or membrane Dice 0.75.
#   scripts/demo.sh                 # extra arguments go to `segrt segment`, e.g. --backend cpu
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}" --target segrt

start=$(date +%s.%N)
"$BUILD_DIR/tools/segrt/segrt" segment models/membrane_unet.onnx \
  examples/membrane/26.png examples/membrane/27.png -o out \
  --label-suffix _label --min-accuracy 0.90 --min-dice 0.75 "$@"
end=$(date +%s.%N)
echo "demo: masks and overlays in out/ (26_mask.png, 26_overlay.png, ...); $(awk "BEGIN {printf \"%.2f\", $end - $start}") s including model load"
