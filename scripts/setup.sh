#!/usr/bin/env bash
# Installs every Debian package segrt's build, tests and demo need.
# Idempotent: a fast no-op when everything is present. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libprotobuf-dev protobuf-compiler libonnx-dev      # ONNX importer
  libhdf5-dev nlohmann-json3-dev libzip-dev           # Keras importer (.h5, .keras)
  libdnnl-dev ocl-icd-opencl-dev                      # CPU backend (oneDNN; its CMake config requires OpenCL)
  libcli11-dev                                        # command line
  libxxhash-dev                                       # model content hash (tuning cache key)
  libstb-dev libpng-dev libjpeg-dev libtiff-dev       # image I/O
  libopenslide-dev libgdal-dev zlib1g-dev             # streamed gigapixel images: whole-slide formats, GeoTIFF (docs/stream.md)
  gdal-bin openslide-tools python3-gdal               # streaming tests: gdalinfo, OpenSlide's tools, test data (scripts/make_giga_data.py)
  libgtest-dev libgmock-dev                           # tests
  clang-14 libclang-rt-14-dev lld-14 llvm-14         # sanitizer build and libFuzzer harnesses (scripts/sanitize.sh, fuzz.sh); llvm-symbolizer for ASan's stacks
  libonnx-testdata                                    # ONNX backend conformance data
  libcpp-httplib-dev libgrpc++-dev protobuf-compiler-grpc  # segrt serve (HTTP with OpenSSL, gRPC)
  python3-grpcio python3-yaml wrk                     # segrt serve tests (gRPC client, deploy/ manifests) and HTTP load
  python3 python3-numpy python3-torch python3-onnx python3-h5py  # reference outputs in tests
  python3-torchvision                                 # torchvision model exports (tests/models/torchvision_*)
  python3-dev pybind11-dev libdlpack-dev              # the Python module (python/)
  python3-pytest python3-pil                          # its tests (tests/python); masks read back (tests/int8)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
