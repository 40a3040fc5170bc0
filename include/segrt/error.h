// segrt's one error path: every failure in the library is a segrt::Error that
// carries what the user needs to find the cause (model file, node, op, shapes).
//
//   try { auto e = segrt::Engine::load("unet.onnx"); }
//   catch (const segrt::Error& err) { std::cerr << err.what(); return err.exit_code(); }
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

// Everything declared here is exported from libsegrt.so, which is built with
// hidden visibility: the public headers are the whole ABI (docs/library.md).
#pragma GCC visibility push(default)

namespace segrt {

// What went wrong, coarsely; the CLI maps each kind to its exit code.
enum class ErrorKind {
  InvalidModel,   // malformed or inconsistent model file
  Unsupported,    // well-formed, but uses an op / attribute / dtype segrt lacks
  InvalidInput,   // user data: wrong .npy dtype or shape, bad image, bad flag value
  Io,             // file cannot be read or written
  Device,         // no GPU, driver too old, CUDA/cuDNN/oneDNN failure
  OutOfMemory,    // host or device allocation failed
  Internal,       // a bug in segrt
};

const char* error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string detail);

  ErrorKind kind() const { return kind_; }
  const std::string& detail() const { return detail_; }
  const std::string& file() const { return file_; }
  const std::string& node() const { return node_; }
  const std::string& op() const { return op_; }

  // Context is added as the error travels outwards; the innermost value wins,
  // so a node name set by the kernel is not overwritten by a caller.
  Error& with_file(const std::string& f);
  Error& with_node(const std::string& name, const std::string& op);
  Error& with_shapes(const std::string& shapes);

  const char* what() const noexcept override { return message_.c_str(); }
  int exit_code() const;

 private:
  void rebuild();
  ErrorKind kind_;
  std::string detail_, file_, node_, op_, shapes_, message_;
};

namespace detail {
// Builds a message from stream-able parts: SEGRT_FAIL(Unsupported, "op ", name).
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
}  // namespace detail

}  // namespace segrt

#define SEGRT_FAIL(kind, ...) \
  throw ::segrt::Error(::segrt::ErrorKind::kind, ::segrt::detail::concat(__VA_ARGS__))

#define SEGRT_CHECK(cond, kind, ...)  \
  do {                                \
    if (!(cond)) SEGRT_FAIL(kind, __VA_ARGS__); \
  } while (0)

#pragma GCC visibility pop
