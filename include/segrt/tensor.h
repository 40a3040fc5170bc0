// Tensor: a shape, an element type, a layout tag and a shared, 64-byte aligned
// host buffer. Copies share the buffer (cheap); clone() makes a deep copy.
//
//   segrt::Tensor x(segrt::DType::f32, {1, 3, 256, 256});
//   float* p = x.data<float>();
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "segrt/error.h"

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

enum class DType : uint8_t { f32, f16, bf16, f64, i64, i32, i8, u8, boolean };

const char* dtype_name(DType t);           // "float32", "float16", ...
size_t dtype_size(DType t);                // bytes per element
bool dtype_is_float(DType t);
bool dtype_from_name(const std::string& name, DType* out);

// Activation layout of a 4-D (or 3-D) tensor. Plain means "no spatial meaning".
enum class Layout : uint8_t { Plain, NCHW, NHWC };
const char* layout_name(Layout l);

using Shape = std::vector<int64_t>;
int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);     // "[1,3,256,256]"

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::i8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::boolean; };

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape, Layout layout = Layout::Plain);  // zero-filled

  // A tensor over memory someone else owns, without a copy (a NumPy array, a
  // pinned buffer): `owner` is kept alive while any copy of the tensor is
  // (nullptr when the memory outlives every copy). `data` holds at least
  // numel * dtype_size bytes; 64-byte alignment is not required.
  static Tensor wrap(void* data, DType dtype, Shape shape, std::shared_ptr<void> owner, Layout layout = Layout::Plain);
  static Tensor from_vector(const std::vector<float>& v, Shape shape);
  static Tensor from_i64(const std::vector<int64_t>& v, Shape shape);
  static Tensor scalar_f32(float v);

  bool empty() const { return !buf_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_.at(static_cast<size_t>(i < 0 ? i + rank() : i)); }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  Layout layout() const { return layout_; }
  void set_layout(Layout l) { layout_ = l; }

  void* raw() { return buf_.get(); }
  const void* raw() const { return buf_.get(); }

  template <class T> T* data() {
    check_dtype(dtype_of<T>::value);
    return static_cast<T*>(raw());
  }
  template <class T> const T* data() const {
    check_dtype(dtype_of<T>::value);
    return static_cast<const T*>(raw());
  }
  // f16 / bf16 data as raw 16-bit words.
  uint16_t* data_u16();
  const uint16_t* data_u16() const;

  Tensor clone() const;
  // Same buffer, new shape with the same element count.
  Tensor reshaped(Shape s) const;
  // Element conversion to float32 / int64 (any numeric dtype).
  Tensor to_f32() const;
  Tensor cast(DType to) const;
  // Values as double / int64 regardless of dtype (for small shape tensors).
  std::vector<int64_t> to_i64_vector() const;
  std::vector<double> to_f64_vector() const;

 private:
  void check_dtype(DType want) const;
  DType dtype_ = DType::f32;
  Shape shape_;
  Layout layout_ = Layout::Plain;
  std::shared_ptr<uint8_t> buf_;
};

// Elements [begin, end) of src (type from) converted into dst (type to) with
// ONNX Cast's rules: float and bool targets through double (float16 / bfloat16
// round to nearest even, bool is "!= 0"); integer targets from floats truncate
// toward zero and saturate (NaN -> 0), from integers wrap modulo 2^bits.
// Tensor::cast, the reference Cast and the CPU backend's Cast all use it.
void cast_elements(DType from, const void* src, DType to, void* dst, int64_t begin, int64_t end);

// IEEE half and bfloat16 conversions (round to nearest even).
uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);
float bf16_to_f32(uint16_t b);

}  // namespace segrt

#pragma GCC visibility pop
