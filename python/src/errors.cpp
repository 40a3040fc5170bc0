// segrt's errors as Python exceptions: one class per segrt::ErrorKind under a
// common segrt.Error (.kind: "invalid_model", "unsupported", "invalid_input", "io",
// "device", "out_of_memory", "internal"), each also a subclass of the built-in exception Python
// code would catch for it (InvalidInput is a ValueError, FileError an
// OSError, OutOfMemory a MemoryError). The instance carries the engine's
// message and its parts: kind, detail, file, node, op.
#include <array>

#include "py_common.h"

namespace segrt::py {

namespace {

struct ErrorClass {
  ErrorKind kind;
  const char* name;
  const char* id;   // the instance's .kind
  const char* doc;
  PyObject* cls = nullptr;
};

std::array<ErrorClass, 7> g_classes{{
    {ErrorKind::InvalidModel, "InvalidModel", "invalid_model", "Malformed or inconsistent model file."},
    {ErrorKind::Unsupported, "Unsupported", "unsupported", "A well-formed model using an op, attribute or dtype segrt lacks."},
    {ErrorKind::InvalidInput, "InvalidInput", "invalid_input", "Wrong input data: dtype, shape, image, option value."},
    {ErrorKind::Io, "FileError", "io", "A file cannot be read or written."},
    {ErrorKind::Device, "DeviceError", "device", "No usable GPU, or a CUDA / cuDNN / oneDNN failure."},
    {ErrorKind::OutOfMemory, "OutOfMemory", "out_of_memory", "A host or device allocation failed."},
    {ErrorKind::Internal, "InternalError", "internal", "A bug in segrt: please report it."},
}};
PyObject* g_base = nullptr;

PyObject* class_of(ErrorKind kind) {
  for (const auto& c : g_classes)
    if (c.kind == kind) return c.cls;
  return g_base;
}

const char* id_of(ErrorKind kind) {
  for (const auto& c : g_classes)
    if (c.kind == kind) return c.id;
  return "internal";
}

// Raises cls(message) with the error's parts as attributes.
void set_python_error(ErrorKind kind, const std::string& message, const Error* err) {
  PyObject* cls = class_of(kind);
  pyb::object inst = pyb::reinterpret_steal<pyb::object>(PyObject_CallFunction(cls, "s", message.c_str()));
  if (!inst) return;  // the constructor raised: that error stands
  inst.attr("kind") = id_of(kind);
  inst.attr("detail") = err ? err->detail() : message;
  inst.attr("file") = err ? err->file() : std::string();
  inst.attr("node") = err ? err->node() : std::string();
  inst.attr("op") = err ? err->op() : std::string();
  PyErr_SetObject(cls, inst.ptr());
}

PyObject* new_class(pyb::module_& m, const char* name, const char* doc, std::initializer_list<PyObject*> bases) {
  pyb::tuple b(bases.size());
  size_t i = 0;
  for (PyObject* p : bases) b[i++] = pyb::reinterpret_borrow<pyb::object>(p);
  std::string qual = std::string("segrt.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qual.c_str(), doc, b.ptr(), nullptr);
  if (!cls) throw pyb::error_already_set();
  m.add_object(name, pyb::reinterpret_borrow<pyb::object>(cls));
  return cls;
}

}  // namespace

void register_errors(pyb::module_& m) {
  g_base = new_class(m, "Error", "Every error segrt raises; .kind, .detail, .file, .node, .op hold its parts.",
                     {PyExc_RuntimeError});
  for (auto& c : g_classes) {
    switch (c.kind) {
      case ErrorKind::Unsupported: c.cls = new_class(m, c.name, c.doc, {class_of(ErrorKind::InvalidModel)}); break;
      case ErrorKind::InvalidInput: c.cls = new_class(m, c.name, c.doc, {g_base, PyExc_ValueError}); break;
      case ErrorKind::Io: c.cls = new_class(m, c.name, c.doc, {g_base, PyExc_OSError}); break;
      case ErrorKind::OutOfMemory: c.cls = new_class(m, c.name, c.doc, {g_base, PyExc_MemoryError}); break;
      default: c.cls = new_class(m, c.name, c.doc, {g_base}); break;
    }
  }
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      set_python_error(e.kind(), e.what(), &e);
    } catch (const std::bad_alloc&) {
      set_python_error(ErrorKind::OutOfMemory, "out of host memory", nullptr);
    }
  });
}

}  // namespace segrt::py
