// Arrays in and out of a run: NumPy (and anything NumPy can view), objects
// with __cuda_array_interface__ (PyTorch, CuPy, Numba) and DLPack producers,
// seen as segrt::TensorView without copying when the memory allows.
#pragma once
#include <dlpack/dlpack.h>

#include <memory>
#include <string>

#include "py_common.h"

namespace segrt::py {

// One bound array: the view the engine reads or writes, and what keeps its
// memory alive until the run is over. Move-only; a consumed DLPack tensor is
// handed back to its producer (its deleter) on destruction, GIL held.
struct BoundArray {
  TensorView view;
  pyb::object owner;                 // the array object (or the converted copy)
  DLManagedTensor* managed = nullptr;
  int device = -1;                   // CUDA ordinal when known (DLPack), -1 otherwise

  BoundArray() = default;
  BoundArray(BoundArray&& o) noexcept;
  BoundArray& operator=(BoundArray&& o) = delete;
  ~BoundArray();
};

// What a run needs to know to bind an array.
struct BindSpec {
  std::string what;          // "input 'x'" / "output 'y'", for messages
  DType dtype = DType::f32;  // the compiled dtype (host float64 input -> float32 is converted)
  bool output = false;       // outputs must be writable, dense and of the exact dtype
  intptr_t stream = 1;       // the run's CUDA stream, handed to DLPack producers
};

// True when `obj` lives in CUDA memory (__cuda_array_interface__ or DLPack device CUDA).
bool is_cuda_array(pyb::handle obj);
BoundArray bind_array(pyb::handle obj, const BindSpec& spec);

// The CUDA stream a run is ordered on: `stream` when given (an int handle, a
// torch.cuda.Stream, a cupy Stream), else the stream a CUDA array names
// (__cuda_array_interface__ v3), else PyTorch's / CuPy's current stream for
// their arrays, else the legacy default stream. 0 means the legacy default
// stream (as PyTorch's default stream reports it) and becomes 1 (cudaStreamLegacy).
intptr_t resolve_stream(pyb::handle stream, pyb::handle first_cuda_array);

}  // namespace segrt::py
