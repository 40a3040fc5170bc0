// .npy reader/writer. The header is a Python dict literal; we read the three
// keys numpy writes (descr, fortran_order, shape) and refuse anything else.
#include "segrt/npy.h"

#include "core/file.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace segrt {

namespace {

struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f4", DType::f32}, {"<f2", DType::f16}, {"<f8", DType::f64}, {"<i8", DType::i64},
                              {"<i4", DType::i32}, {"|i1", DType::i8},  {"|u1", DType::u8},  {"|b1", DType::boolean}};

std::string dict_value(const std::string& h, const std::string& key, const std::string& what) {
  auto k = h.find("'" + key + "'");
  if (k == std::string::npos) SEGRT_FAIL(InvalidInput, what, ": .npy header lacks '", key, "'");
  auto colon = h.find(':', k);
  if (colon == std::string::npos) SEGRT_FAIL(InvalidInput, what, ": malformed .npy header");
  size_t start = colon + 1;
  while (start < h.size() && h[start] == ' ') ++start;
  if (start >= h.size()) SEGRT_FAIL(InvalidInput, what, ": malformed .npy header");
  size_t end;
  if (h[start] == '(') end = h.find(')', start) + 1;
  else if (h[start] == '\'') end = h.find('\'', start + 1) + 1;
  else end = h.find_first_of(",}", start);
  if (end == std::string::npos || end == 0 || end <= start) SEGRT_FAIL(InvalidInput, what, ": malformed .npy header");
  return h.substr(start, end - start);
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& what) {
  SEGRT_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0, InvalidInput, what,
              ": not a NumPy .npy file");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    SEGRT_CHECK(major <= 3 && bytes.size() >= 12, InvalidInput, what, ": unsupported .npy version ", major);
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  }
  SEGRT_CHECK(offset + header_len <= bytes.size(), InvalidInput, what, ": truncated .npy header");
  std::string h = bytes.substr(offset, header_len);
  std::string descr = dict_value(h, "descr", what);
  std::string fortran = dict_value(h, "fortran_order", what);
  std::string shape_s = dict_value(h, "shape", what);
  SEGRT_CHECK(fortran == "False", InvalidInput, what, ": Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  DType dt{};
  bool found = false;
  std::string d = descr.substr(1, descr.size() - 2);
  if (d == "<u1" || d == "|b1" || d == "<b1") d = d == "<u1" ? "|u1" : "|b1";
  for (const auto& t : kTypes)
    if (d == t.descr) {
      dt = t.dtype;
      found = true;
    }
  SEGRT_CHECK(found, InvalidInput, what, ": unsupported .npy dtype ", descr,
              " (supported: float32, float16, float64, int64, int32, int8, uint8, bool; little-endian)");
  Shape shape;
  std::string inner = shape_s.substr(1, shape_s.size() - 2);
  std::stringstream ss(inner);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    size_t a = tok.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    try {
      long long v = std::stoll(tok.substr(a));
      SEGRT_CHECK(v >= 0, InvalidInput, what, ": negative dimension in .npy shape");
      shape.push_back(v);
    } catch (const std::logic_error&) {
      SEGRT_FAIL(InvalidInput, what, ": malformed .npy shape ", shape_s);
    }
  }
  int64_t numel = 1;
  for (int64_t s : shape) {
    SEGRT_CHECK(s == 0 || numel <= (int64_t(1) << 40) / s, InvalidInput, what, ": .npy shape too large");
    numel *= s;
  }
  size_t need = static_cast<size_t>(numel) * dtype_size(dt);
  size_t have = bytes.size() - offset - header_len;
  SEGRT_CHECK(have >= need, InvalidInput, what, ": truncated .npy data (", have, " bytes, shape ", shape_str(shape),
              " needs ", need, ")");
  Tensor t(dt, shape);
  if (need) std::memcpy(t.raw(), bytes.data() + offset + header_len, need);
  return t;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

std::string npy_bytes(const Tensor& t) {
  const char* descr = nullptr;
  for (const auto& k : kTypes)
    if (k.dtype == t.dtype()) descr = k.descr;
  Tensor src = t;
  if (!descr) {  // bf16 has no numpy dtype: write float32
    src = t.to_f32();
    descr = "<f4";
  }
  std::string shape = "(";
  for (size_t i = 0; i < src.shape().size(); ++i) shape += std::to_string(src.shape()[i]) + ", ";
  if (src.shape().size() > 1) shape.resize(shape.size() - 2);
  else if (src.shape().size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + h.size() + 1;
  h += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  out += h;
  out.append(static_cast<const char*>(src.raw()), src.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  std::string bytes = npy_bytes(t);
  std::ofstream f(path, std::ios::binary);
  SEGRT_CHECK(f.good(), Io, "cannot write '", path, "'");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  SEGRT_CHECK(f.good(), Io, "write to '", path, "' failed");
}

}  // namespace segrt
