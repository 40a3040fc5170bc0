// Element types across the borders: segrt::DType <-> NumPy dtype and the
// __cuda_array_interface__ typestr. bfloat16 has no NumPy dtype: such arrays
// travel as DLPack or CUDA arrays only.
#include "py_common.h"

namespace segrt::py {

namespace {

struct DTypeRow {
  DType dtype;
  const char* numpy;    // NumPy's name
  const char* typestr;  // array-interface typestr (little-endian)
};

constexpr DTypeRow kRows[] = {
    {DType::f32, "float32", "<f4"}, {DType::f16, "float16", "<f2"}, {DType::f64, "float64", "<f8"},
    {DType::i64, "int64", "<i8"},   {DType::i32, "int32", "<i4"},   {DType::i8, "int8", "|i1"},
    {DType::u8, "uint8", "|u1"},    {DType::boolean, "bool", "|b1"},
};

}  // namespace

pyb::dtype numpy_dtype(DType t) {
  for (const auto& r : kRows)
    if (r.dtype == t) return pyb::dtype(r.numpy);
  throw Error(ErrorKind::InvalidInput,
              detail::concat(dtype_name(t), " has no NumPy dtype: pass a DLPack or CUDA array for it"));
}

DType dtype_from_numpy(const pyb::dtype& d, const std::string& what) {
  for (const auto& r : kRows)
    if (d.is(pyb::dtype(r.numpy))) return r.dtype;
  std::string name = pyb::str(d.attr("name"));
  throw Error(ErrorKind::InvalidInput, detail::concat(what, ": NumPy dtype ", name, " is not one segrt takes"));
}

std::string typestr(DType t) {
  for (const auto& r : kRows)
    if (r.dtype == t) return r.typestr;
  if (t == DType::bf16) return "<V2";  // no typestr for bfloat16; consumers should use DLPack
  throw Error(ErrorKind::Internal, detail::concat("no typestr for ", dtype_name(t)));
}

DType dtype_from_typestr(const std::string& s, const std::string& what) {
  std::string norm = s;
  if (norm.size() == 3 && norm[0] == '=') norm[0] = '<';  // native order on a little-endian host
  if (norm.size() == 3 && (norm[1] == 'u' || norm[1] == 'i' || norm[1] == 'b') && norm[2] == '1') norm[0] = '|';
  for (const auto& r : kRows)
    if (norm == r.typestr) return r.dtype;
  throw Error(ErrorKind::InvalidInput, detail::concat(what, ": array typestr '", s, "' is not one segrt takes"));
}

}  // namespace segrt::py
