// Binding Python arrays as TensorViews (arrays.h). Host arrays are used in
// place when C-contiguous and of the compiled dtype (float64 inputs of a
// float32 model are converted, as `segrt run` does); CUDA arrays must be
// dense: nothing here can copy device memory.
#include "arrays.h"

namespace segrt::py {

namespace {

constexpr int kDLBoolCode = 6;  // DLPack >= 0.8's kDLBool (the Debian header is 0.6)

bool has(pyb::handle obj, const char* name) { return PyObject_HasAttrString(obj.ptr(), name) == 1; }

Shape shape_of(pyb::handle seq) {
  Shape s;
  for (auto d : seq) s.push_back(d.cast<int64_t>());
  return s;
}

// Row-major strides in bytes; dims of extent 1 may have any stride.
bool dense(const Shape& shape, const std::vector<int64_t>& strides, size_t item) {
  int64_t want = static_cast<int64_t>(item);
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != want) return false;
    want *= shape[i];
  }
  return true;
}

BoundArray bind_numpy(pyb::handle obj, const BindSpec& spec) {
  pyb::module_ np = pyb::module_::import("numpy");
  pyb::array a;
  if (pyb::isinstance<pyb::array>(obj)) a = pyb::reinterpret_borrow<pyb::array>(obj);
  else if (spec.output) throw Error(ErrorKind::InvalidInput, spec.what + ": an output must be a NumPy or CUDA array");
  else if (has(obj, "__dlpack__")) a = np.attr("from_dlpack")(obj);
  else a = np.attr("asarray")(obj);
  DType dt = dtype_from_numpy(a.dtype(), spec.what);
  if (spec.output) {
    SEGRT_CHECK(dt == spec.dtype, InvalidInput, spec.what, " is ", dtype_name(spec.dtype), ", the array given is ",
                dtype_name(dt));
    SEGRT_CHECK(a.writeable(), InvalidInput, spec.what, ": the array given is read-only");
    SEGRT_CHECK(a.flags() & pyb::array::c_style, InvalidInput, spec.what, ": the array given is not C-contiguous");
  } else {
    // float64 is what NumPy makes by default; accept it for float32 inputs (a copy).
    if (dt == DType::f64 && spec.dtype == DType::f32) {
      a = a.attr("astype")(np.attr("float32"));
      dt = DType::f32;
    }
    if (!(a.flags() & pyb::array::c_style)) a = np.attr("ascontiguousarray")(a);
  }
  BoundArray b;
  b.view.data = const_cast<void*>(a.data());
  b.view.dtype = dt;
  for (pyb::ssize_t i = 0; i < a.ndim(); ++i) b.view.shape.push_back(a.shape(i));
  b.view.memory = Memory::Host;
  b.owner = a;
  return b;
}

BoundArray bind_cai(pyb::handle obj, const BindSpec& spec) {
  pyb::dict cai = obj.attr("__cuda_array_interface__");
  BoundArray b;
  b.view.shape = shape_of(cai["shape"]);
  b.view.dtype = dtype_from_typestr(cai["typestr"].cast<std::string>(), spec.what);
  pyb::tuple data = cai["data"];
  b.view.data = reinterpret_cast<void*>(data[0].cast<uintptr_t>());
  SEGRT_CHECK(!(spec.output && data[1].cast<bool>()), InvalidInput, spec.what, ": the CUDA array given is read-only");
  if (cai.contains("strides") && !cai["strides"].is_none()) {
    std::vector<int64_t> st;
    for (auto d : cai["strides"]) st.push_back(d.cast<int64_t>());
    SEGRT_CHECK(dense(b.view.shape, st, dtype_size(b.view.dtype)), InvalidInput, spec.what,
                ": the CUDA array is not dense and row-major (make it contiguous first)");
  }
  b.view.memory = Memory::Device;
  b.owner = pyb::reinterpret_borrow<pyb::object>(obj);
  return b;
}

DType dtype_from_dlpack(DLDataType t, const std::string& what) {
  SEGRT_CHECK(t.lanes == 1, InvalidInput, what, ": vector DLPack dtypes (lanes ", t.lanes, ") are not taken");
  if (t.code == kDLFloat && t.bits == 32) return DType::f32;
  if (t.code == kDLFloat && t.bits == 16) return DType::f16;
  if (t.code == kDLFloat && t.bits == 64) return DType::f64;
  if (t.code == kDLBfloat && t.bits == 16) return DType::bf16;
  if (t.code == kDLInt && t.bits == 64) return DType::i64;
  if (t.code == kDLInt && t.bits == 32) return DType::i32;
  if (t.code == kDLInt && t.bits == 8) return DType::i8;
  if (t.code == kDLUInt && t.bits == 8) return DType::u8;
  if (t.code == kDLBoolCode && t.bits == 8) return DType::boolean;
  throw Error(ErrorKind::InvalidInput, detail::concat(what, ": DLPack dtype code ", int(t.code), " bits ",
                                                      int(t.bits), " is not one segrt takes"));
}

// A "dltensor" capsule, consumed: ours to release (BoundArray's destructor).
BoundArray bind_capsule(pyb::handle cap, pyb::handle owner, const BindSpec& spec) {
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap.ptr(), "dltensor"));
  if (!m) throw pyb::error_already_set();
  PyCapsule_SetName(cap.ptr(), "used_dltensor");  // the capsule's destructor leaves it alone now
  BoundArray b;
  b.managed = m;
  const DLTensor& t = m->dl_tensor;
  SEGRT_CHECK(t.device.device_type == kDLCUDA || t.device.device_type == kDLCPU, InvalidInput, spec.what,
              ": DLPack device type ", int(t.device.device_type), " is neither the CPU nor CUDA");
  b.view.dtype = dtype_from_dlpack(t.dtype, spec.what);
  b.view.shape.assign(t.shape, t.shape + t.ndim);
  if (t.strides) {
    std::vector<int64_t> st(t.strides, t.strides + t.ndim);
    for (auto& s : st) s *= static_cast<int64_t>(dtype_size(b.view.dtype));
    SEGRT_CHECK(dense(b.view.shape, st, dtype_size(b.view.dtype)), InvalidInput, spec.what,
                ": the DLPack tensor is not dense and row-major (make it contiguous first)");
  }
  b.view.data = static_cast<char*>(t.data) + t.byte_offset;
  b.view.memory = t.device.device_type == kDLCUDA ? Memory::Device : Memory::Host;
  if (t.device.device_type == kDLCUDA) b.device = t.device.device_id;
  b.owner = pyb::reinterpret_borrow<pyb::object>(owner);
  return b;
}

BoundArray bind_dlpack_cuda(pyb::handle obj, const BindSpec& spec) {
  // The producer orders its pending work before `stream` (DLPack's contract);
  // producers older than the stream argument are asked without it.
  pyb::object cap;
  try {
    cap = obj.attr("__dlpack__")(pyb::arg("stream") = spec.stream);
  } catch (pyb::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;
    cap = obj.attr("__dlpack__")();
  }
  return bind_capsule(cap, obj, spec);
}

int dlpack_device_type(pyb::handle obj) {
  if (!has(obj, "__dlpack__") || !has(obj, "__dlpack_device__")) return 0;
  pyb::tuple dev = obj.attr("__dlpack_device__")();
  return dev[0].cast<int>();
}

}  // namespace

BoundArray::BoundArray(BoundArray&& o) noexcept
    : view(o.view), owner(std::move(o.owner)), managed(o.managed), device(o.device) {
  o.managed = nullptr;
}

BoundArray::~BoundArray() {
  if (managed && managed->deleter) managed->deleter(managed);
}

bool is_capsule(pyb::handle obj) { return PyCapsule_IsValid(obj.ptr(), "dltensor") == 1; }

bool is_cuda_array(pyb::handle obj) {
  if (pyb::isinstance<pyb::array>(obj)) return false;
  if (is_capsule(obj)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(obj.ptr(), "dltensor"));
    return m->dl_tensor.device.device_type == kDLCUDA;
  }
  return has(obj, "__cuda_array_interface__") || dlpack_device_type(obj) == kDLCUDA;
}

BoundArray bind_array(pyb::handle obj, const BindSpec& spec) {
  if (pyb::isinstance<pyb::array>(obj)) return bind_numpy(obj, spec);
  if (is_capsule(obj)) return bind_capsule(obj, obj, spec);  // a capsule (torch.utils.dlpack.to_dlpack): consumed
  if (has(obj, "__cuda_array_interface__")) return bind_cai(obj, spec);
  int dl = dlpack_device_type(obj);
  if (dl == kDLCUDA) return bind_dlpack_cuda(obj, spec);
  SEGRT_CHECK(dl == 0 || dl == kDLCPU, InvalidInput, spec.what, ": DLPack device type ", dl,
              " is neither the CPU nor CUDA");
  return bind_numpy(obj, spec);
}

intptr_t resolve_stream(pyb::handle stream, pyb::handle first_cuda_array) {
  intptr_t s = 0;
  if (!stream.is_none()) {
    if (pyb::isinstance<pyb::int_>(stream)) s = stream.cast<intptr_t>();
    else if (has(stream, "cuda_stream")) s = stream.attr("cuda_stream").cast<intptr_t>();  // torch.cuda.Stream
    else if (has(stream, "ptr")) s = stream.attr("ptr").cast<intptr_t>();                  // cupy.cuda.Stream
    else throw pyb::type_error("stream: an int (cudaStream_t), a torch.cuda.Stream or a cupy Stream");
  } else if (first_cuda_array) {
    pyb::handle a = first_cuda_array;
    pyb::object cai = pyb::none();
    if (has(a, "__cuda_array_interface__")) cai = a.attr("__cuda_array_interface__");
    std::string mod = pyb::str(pyb::type::handle_of(a).attr("__module__"));
    if (!cai.is_none() && cai.contains("stream") && !cai["stream"].is_none()) {
      s = cai["stream"].cast<intptr_t>();
    } else if (mod.rfind("torch", 0) == 0) {
      s = pyb::module_::import("torch").attr("cuda").attr("current_stream")(a.attr("device")).attr("cuda_stream")
              .cast<intptr_t>();
    } else if (mod.rfind("cupy", 0) == 0) {
      s = pyb::module_::import("cupy").attr("cuda").attr("get_current_stream")().attr("ptr").cast<intptr_t>();
    }
  }
  return s == 0 ? 1 : s;  // 1: cudaStreamLegacy
}

}  // namespace segrt::py
