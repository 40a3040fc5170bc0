// Error formatting: "file: node 'name' (Op): detail [shapes]".
#include "segrt/error.h"

namespace segrt {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidModel: return "invalid model";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::InvalidInput: return "invalid input";
    case ErrorKind::Io: return "I/O error";
    case ErrorKind::Device: return "device error";
    case ErrorKind::OutOfMemory: return "out of memory";
    case ErrorKind::Internal: return "internal error";
  }
  return "error";
}

Error::Error(ErrorKind kind, std::string detail)
    : std::runtime_error(detail), kind_(kind), detail_(std::move(detail)) {
  rebuild();
}

Error& Error::with_file(const std::string& f) {
  if (file_.empty()) file_ = f;
  rebuild();
  return *this;
}

Error& Error::with_node(const std::string& name, const std::string& op) {
  if (node_.empty() && op_.empty()) {
    node_ = name;
    op_ = op;
  }
  rebuild();
  return *this;
}

Error& Error::with_shapes(const std::string& shapes) {
  if (shapes_.empty()) shapes_ = shapes;
  rebuild();
  return *this;
}

void Error::rebuild() {
  std::string m;
  if (!file_.empty()) m += file_ + ": ";
  if (!node_.empty() || !op_.empty()) {
    m += "node '" + node_ + "'";
    if (!op_.empty()) m += " (" + op_ + ")";
    m += ": ";
  }
  m += error_kind_name(kind_);
  m += ": " + detail_;
  if (!shapes_.empty()) m += " [" + shapes_ + "]";
  message_ = m;
}

// Exit codes of the CLI (documented in README): 3 model, 4 input, 5 I/O,
// 6 device, 7 memory, 70 internal. 1 is reserved for "ran but failed a check".
int Error::exit_code() const {
  switch (kind_) {
    case ErrorKind::InvalidModel: return 3;
    case ErrorKind::Unsupported: return 3;
    case ErrorKind::InvalidInput: return 4;
    case ErrorKind::Io: return 5;
    case ErrorKind::Device: return 6;
    case ErrorKind::OutOfMemory: return 7;
    case ErrorKind::Internal: return 70;
  }
  return 70;
}

}  // namespace segrt
