#!/usr/bin/env bash
# segrt as an installed package: `cmake --install` into a temporary prefix,
# the files a consumer needs are there, public headers name no internal or
# third-party header, and examples/cpp builds against the prefix twice (CMake
# find_package(segrt), then plain pkg-config flags); both binaries' outputs
# equal the installed `segrt run` / `segrt segment` bit for bit.
#   tests/install/install.test.sh build/tools/segrt/segrt   (SEGRT_BUILD_DIR, SEGRT_SOURCE_DIR set by ctest)
set -euo pipefail
src=${SEGRT_SOURCE_DIR:?}
build=${SEGRT_BUILD_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "install test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$work/install.log" || { cat "$work/install.log"; fail "cmake --install failed"; }
for f in bin/segrt include/segrt/segrt.h include/segrt/engine.h include/segrt/version.h include/segrt/segrt_c.h \
         lib/cmake/segrt/segrtConfig.cmake lib/cmake/segrt/segrtConfigVersion.cmake lib/pkgconfig/segrt.pc; do
  [ -e "$prefix/$f" ] || fail "missing $f under the prefix"
done
ls "$prefix"/lib/libsegrt.so.* > /dev/null 2>&1 || fail "no lib/libsegrt.so.* (versioned library)"
[ -L "$prefix/lib/libsegrt.so" ] || fail "lib/libsegrt.so is not the development symlink"
soname=$(objdump -p "$prefix/lib/libsegrt.so" | awk '/SONAME/ {print $2}')
version=$(sed -n 's/^project(segrt VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
case "$soname" in libsegrt.so.${version%.*}|libsegrt.so.${version%%.*}) ;; *) fail "SONAME '$soname' does not follow version $version" ;; esac

# Public headers include only the standard library and each other.
bad=$(grep -h '^#include' "$prefix"/include/segrt/*.h | grep -v -E '#include (<[a-z_]+(\.h)?>|"segrt/[a-z_]+\.h")' || true)
[ -z "$bad" ] || fail "public headers include non-public headers: $bad"

# One backend for the CLI and the examples (CUDA could pick other algorithms in each process).
backend=ref
"$prefix/bin/segrt" --version | grep -q " cpu" && backend=cpu
model=$src/models/membrane_unet.onnx
image=$src/examples/membrane/26.png
/usr/bin/python3 -c "import numpy as np; np.save('$work/in.npy', np.random.RandomState(7).rand(1,1,64,96).astype(np.float32))"
"$prefix/bin/segrt" run "$model" -b $backend -i "$work/in.npy" -o "$work/ref.npy" > /dev/null
"$prefix/bin/segrt" segment "$model" "$image" -b $backend -o "$work/cli" --no-overlay -q > /dev/null
[ -f "$work/cli/26_mask.png" ] || fail "segrt segment wrote no $work/cli/26_mask.png"

check_example() {  # $1: how it was built, $2: the binary
  "$2" "$model" --npy "$work/in.npy" "$work/out_$1.npy" $backend 2> /dev/null
  cmp -s "$work/ref.npy" "$work/out_$1.npy" || fail "$1 example: output differs from segrt run"
  "$2" "$model" "$image" "$work/mask_$1.png" 4 $backend > /dev/null 2>&1 || fail "$1 example: segmentation (4 threads) failed"
  cmp -s "$work/cli/26_mask.png" "$work/mask_$1.png" || fail "$1 example: mask differs from segrt segment"
  echo "install test: $1 build matches segrt run and segrt segment bit for bit"
}

# 1. CMake's find_package, from the installed prefix only.
cmake -S "$src/examples/cpp" -B "$work/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  > "$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; fail "configuring the example failed"; }
cmake --build "$work/ex-cmake" > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the example failed"; }
check_example cmake "$work/ex-cmake/segment_example"

# 2. pkg-config flags and a plain compiler call.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs segrt)
case "$flags" in *"$src"*) fail "pkg-config flags point into the source tree: $flags" ;; esac
c++ -std=c++17 -O1 "$src/examples/cpp/main.cpp" -o "$work/ex-pc" $flags -pthread -Wl,-rpath,"$prefix/lib" \
  || fail "compiling the example with pkg-config flags failed"
check_example pkg-config "$work/ex-pc"
