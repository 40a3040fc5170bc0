// A libtiff handle whose errors and warnings stay with it: libtiff's
// per-handle handlers (TIFFOpenExt) keep the last message for our error
// text, instead of process-wide handlers (the library changes no global
// state, STYLE rule 11). Used by the TIFF reader and the mask writer.
#pragma once
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string>

namespace segrt::app::stream {

class TiffHandle {
 public:
  TiffHandle() = default;
  TiffHandle(const std::string& path, const char* mode) : msg_(std::make_unique<std::string>()) {
    TIFFOpenOptions* o = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(o, &TiffHandle::on_error, msg_.get());
    TIFFOpenOptionsSetWarningHandlerExtR(o, &TiffHandle::on_warning, nullptr);
    t_ = TIFFOpenExt(path.c_str(), mode, o);
    TIFFOpenOptionsFree(o);
  }
  TiffHandle(TiffHandle&& o) noexcept : t_(o.t_), msg_(std::move(o.msg_)) { o.t_ = nullptr; }
  TiffHandle& operator=(TiffHandle&& o) noexcept {
    std::swap(t_, o.t_);
    std::swap(msg_, o.msg_);
    return *this;
  }
  ~TiffHandle() { close(); }
  // Closing a file being written flushes its last directory; false when that failed.
  bool close() {
    if (!t_) return true;
    TIFFClose(t_);
    t_ = nullptr;
    return msg_ && msg_->empty();
  }
  TIFF* get() const { return t_; }
  explicit operator bool() const { return t_ != nullptr; }
  // libtiff's last error message on this handle ("" when none).
  std::string message() const { return msg_ ? *msg_ : std::string(); }

 private:
  static int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (user) *static_cast<std::string*>(user) = (module ? std::string(module) + ": " : std::string()) + buf;
    return 1;  // handled: the global handlers are not called
  }
  static int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }
  TIFF* t_ = nullptr;
  std::unique_ptr<std::string> msg_;
};

}  // namespace segrt::app::stream
