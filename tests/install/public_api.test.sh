#!/usr/bin/env bash
# The library's boundary (issue 12): the CLI, the server and the app layer's
# clients include only the public headers, the public headers include nothing
# from src/ or third-party -dev packages, and libsegrt.so exports only what the
# public headers declare (hidden visibility): every exported symbol is in
# namespace segrt (not segrt::detail internals) or the C API's segrt_*.
#   tests/install/public_api.test.sh build/tools/segrt/segrt
set -euo pipefail
segrt=$1
src=${SEGRT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail=0
# 1. Clients: tools/ and src/server include segrt/*.h, their own headers, and system/third-party ones they link.
bad=$(grep -rnE '#include "(core|ir|passes|runtime|backend|import|export|app|capi)/' "$src/tools" "$src/src/server" || true)
if [ -n "$bad" ]; then echo "FAIL: clients include library internals:"; echo "$bad"; fail=1; fi
# 2. Public headers: only segrt/*.h and the C/C++ standard library.
bad=$(grep -hE '^#include' "$src"/include/segrt/*.h "$src"/include/segrt/version.h.in | grep -vE '#include "segrt/[a-z_]+\.h"|#include <[a-z_]+(\.h)?>' || true)
if [ -n "$bad" ]; then echo "FAIL: public headers include more than segrt/*.h and the standard library:"; echo "$bad"; fail=1; fi
# 3. Exported symbols of the shared library the CLI loads.
lib=$(ldd "$segrt" | awk '/libsegrt\.so/{print $3}')
[ -f "$lib" ] || { echo "FAIL: $segrt does not load libsegrt.so"; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TWDBRVuiG]/ {print $3}')
total=$(echo "$syms" | wc -l)
# Instances of standard-library templates (vague linkage, exported by every C++
# library) are left out by their mangled prefix; everything else must be segrt's.
own=$(echo "$syms" | grep -vE '^_Z(GVZ|ZN?K?|T[VIS])?N?K?(St|Sa|Sb|Ss|Si|So|Sd|9__gnu_cxx)' | grep -vE '^(_init|_fini|_edata|_end|__bss_start)$')
foreign=$(echo "$own" | c++filt | grep -vE '(^|[ :(<])segrt::|^segrt_' || true)
if [ -n "$foreign" ]; then
  echo "FAIL: libsegrt.so exports $(echo "$foreign" | wc -l) symbols outside segrt's API, e.g.:"; echo "$foreign" | head -15; fail=1
fi
internal=$(echo "$own" | c++filt | grep -E '(^|[ (])segrt::(cuda|cpu|ref|onnx|keras|server|Graph|Node|Value|PassLog|Executable|ExecContext|Backend|Plan|TuningFile|TuningCache|OutputPool)\b' || true)
if [ -n "$internal" ]; then
  echo "FAIL: libsegrt.so exports internal symbols, e.g.:"; echo "$internal" | head -15; fail=1
fi
echo "libsegrt.so exports $total symbols"
[ $fail = 0 ] && echo "public API boundary: ok"
exit $fail
