// Segmentation route: decode, segment through the model's queue, encode PNG.
// The app layer reads and writes images by path only, so the bytes pass
// through a private temporary file each way.
#include "server/segment_service.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "segrt/image.h"
#include "segrt/segment.h"

namespace segrt::server {

namespace {

// The file extension the image readers expect, from the leading bytes.
const char* image_suffix(const std::string& b) {
  auto starts = [&](const char* magic, size_t n) { return b.size() >= n && b.compare(0, n, magic, n) == 0; };
  if (starts("\x89PNG", 4)) return ".png";
  if (starts("\xff\xd8\xff", 3)) return ".jpg";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return ".tif";
  if (starts("BM", 2)) return ".bmp";
  return nullptr;
}

// A file in $TMPDIR (or /tmp) removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(const char* suffix) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/segrt-serve-XXXXXX" + suffix;
    int fd = mkstemps(path_.data(), static_cast<int>(std::strlen(suffix)));
    if (fd < 0) throw ServeError(Status::Internal, "cannot create a temporary file in " + path_);
    close(fd);
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

SegmentService::SegmentService(const ModelEntry& entry, Engine& engine) {
  if (!entry.sidecar_path.empty())
    app::apply_sidecar(cfg_, app::read_text_file(entry.sidecar_path), entry.sidecar_path);
  app::ModelInfo info = app::describe_model(engine, cfg_.output_name);
  app::resolve_config(cfg_, info);
  output_index_ = info.output_index;
}

std::string SegmentService::segment(const std::string& encoded, bool overlay, Clock::time_point deadline) const {
  const char* suffix = image_suffix(encoded);
  if (!suffix) throw ServeError(Status::BadRequest, "the body is not a PNG, JPEG, TIFF or BMP image");
  app::Image img;
  {
    TempFile in(suffix);
    std::ofstream(in.path(), std::ios::binary).write(encoded.data(), static_cast<std::streamsize>(encoded.size()));
    try {
      img = app::read_image(in.path());
    } catch (const Error& e) {
      throw ServeError(Status::BadRequest, std::string("cannot decode the image: ") + e.detail());
    }
  }
  // A Segmenter per request: it completes its class list on its first run.
  ModelInstance* m = instance_;
  int out = output_index_;
  app::Segmenter seg(cfg_, [m, out, deadline](const Tensor& batch) { return m->infer({batch}, deadline)[out]; });
  app::SegmentResult r;
  try {
    seg.check_image(img);
    r = seg.segment(img, false);
  } catch (const Error& e) {
    throw ServeError(e.kind() == ErrorKind::InvalidInput ? Status::BadRequest : Status::Internal, e.what());
  }
  TempFile png(".png");
  app::write_image(png.path(), overlay ? app::make_overlay(img, r.mask, seg.config()) : app::mask_image(r));
  std::ifstream f(png.path(), std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

}  // namespace segrt::server
