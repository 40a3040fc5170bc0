// segrt.DeviceArray: outputs left in device memory when a run's inputs were
// CUDA arrays and no output arrays were given. Exported without copies via
// __cuda_array_interface__ (v3) and DLPack (a legacy "dltensor" capsule,
// which every DLPack consumer takes). The data is ready when run() returns,
// so no stream synchronisation is asked of the consumer.
#include <dlpack/dlpack.h>

#include "engine.h"

namespace segrt::py {

namespace {

DLDataType dlpack_dtype(DType t) {
  switch (t) {
    case DType::f32: return {kDLFloat, 32, 1};
    case DType::f16: return {kDLFloat, 16, 1};
    case DType::f64: return {kDLFloat, 64, 1};
    case DType::bf16: return {kDLBfloat, 16, 1};
    case DType::i64: return {kDLInt, 64, 1};
    case DType::i32: return {kDLInt, 32, 1};
    case DType::i8: return {kDLInt, 8, 1};
    case DType::u8: return {kDLUInt, 8, 1};
    case DType::boolean: return {6 /* kDLBool, DLPack >= 0.8 */, 8, 1};
  }
  throw Error(ErrorKind::Internal, "dtype without a DLPack code");
}

// What a capsule's consumer holds: the memory (and through it the engine) and the shape.
struct Exported {
  DLManagedTensor managed{};
  std::shared_ptr<DeviceMemory> memory;
  std::vector<int64_t> shape;
};

// The consumer may release from any thread, without the GIL; the last
// reference may take the engine (and its Python callbacks) with it.
void release_exported(DLManagedTensor* m) {
  auto* e = static_cast<Exported*>(m->manager_ctx);
  if (Py_IsInitialized()) {
    PyGILState_STATE s = PyGILState_Ensure();
    delete e;
    PyGILState_Release(s);
  } else {
    delete e;
  }
}

pyb::capsule to_dlpack(const DeviceArray& a) {
  auto* e = new Exported;
  e->memory = a.memory;
  e->shape = a.shape;
  DLTensor& t = e->managed.dl_tensor;
  t.data = a.memory->buffer.data();
  t.device = {kDLCUDA, a.device};
  t.ndim = static_cast<int>(e->shape.size());
  t.dtype = dlpack_dtype(a.dtype);
  t.shape = e->shape.data();
  t.strides = nullptr;  // row-major
  t.byte_offset = 0;
  e->managed.manager_ctx = e;
  e->managed.deleter = release_exported;
  // An unconsumed capsule frees itself; a consumer renames it "used_dltensor".
  return pyb::capsule(&e->managed, "dltensor", [](PyObject* cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
      m->deleter(m);
    }
  });
}

pyb::tuple shape_tuple(const Shape& s) {
  pyb::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = pyb::int_(s[i]);
  return t;
}

}  // namespace

void register_device_array(pyb::module_& m) {
  pyb::class_<DeviceArray>(m, "DeviceArray", R"(An output in the engine's device memory.
torch.as_tensor(a, device="cuda"), torch.from_dlpack(a), cupy.asarray(a) view it without a
copy; it stays valid while any of them (or this object) lives. to_numpy() copies it to the host.)")
      .def_property_readonly("shape", [](const DeviceArray& a) { return shape_tuple(a.shape); })
      .def_property_readonly("dtype", [](const DeviceArray& a) {
        return a.dtype == DType::bf16 ? pyb::object(pyb::str("bfloat16")) : pyb::object(numpy_dtype(a.dtype));
      })
      .def_property_readonly("device", [](const DeviceArray& a) { return a.device; })
      .def_property_readonly("nbytes", [](const DeviceArray& a) { return shape_numel(a.shape) * dtype_size(a.dtype); })
      .def_property_readonly("data_ptr", [](const DeviceArray& a) {
        return reinterpret_cast<uintptr_t>(a.memory->buffer.data());
      })
      .def_property_readonly("__cuda_array_interface__", [](const DeviceArray& a) {
        pyb::dict d;
        d["shape"] = shape_tuple(a.shape);
        d["typestr"] = typestr(a.dtype);
        d["data"] = pyb::make_tuple(reinterpret_cast<uintptr_t>(a.memory->buffer.data()), false);
        d["strides"] = pyb::none();
        d["version"] = 3;
        d["stream"] = pyb::none();  // ready: run() waited for it
        return d;
      })
      .def("__dlpack__", [](const DeviceArray& a, pyb::object stream) { return to_dlpack(a); },
           pyb::kw_only(), pyb::arg("stream") = pyb::none())
      .def("__dlpack_device__", [](const DeviceArray& a) { return pyb::make_tuple(int(kDLCUDA), a.device); })
      .def("to_numpy", [](const DeviceArray& a) {
        pyb::array out(numpy_dtype(a.dtype), a.shape);
        void* dst = out.mutable_data();
        size_t bytes = static_cast<size_t>(out.nbytes());
        pyb::gil_scoped_release nogil;
        a.memory->buffer.copy_to_host(dst, bytes);
        return out;
      })
      .def("copy_from", [](DeviceArray& a, pyb::array src) {
             pyb::array c = pyb::module_::import("numpy").attr("ascontiguousarray")(src);
             SEGRT_CHECK(dtype_from_numpy(c.dtype(), "copy_from") == a.dtype && c.nbytes() == shape_numel(a.shape) *
                             static_cast<int64_t>(dtype_size(a.dtype)), InvalidInput, "copy_from: the array is ",
                         std::string(pyb::str(c.dtype().attr("name"))), " of ", c.size(), " elements, the device array ",
                         dtype_name(a.dtype), shape_str(a.shape));
             const void* p = c.data();
             size_t bytes = static_cast<size_t>(c.nbytes());
             pyb::gil_scoped_release nogil;
             a.memory->buffer.copy_from_host(p, bytes);
           }, pyb::arg("array"), "Copies a host array of the same dtype and size into it.")
      .def("__repr__", [](const DeviceArray& a) {
        return "segrt.DeviceArray(" + std::string(dtype_name(a.dtype)) + shape_str(a.shape) + ", cuda:" +
               std::to_string(a.device) + ")";
      });
}

}  // namespace segrt::py
