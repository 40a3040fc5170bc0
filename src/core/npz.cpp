// .npz reader/writer on libzip. numpy writes members stored (np.savez) or
// deflated (np.savez_compressed); libzip reads both.
#include "segrt/npy.h"

#include <zip.h>

#include <filesystem>
#include <memory>


namespace segrt {

namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }  // only reached on error paths or after reading
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

constexpr zip_uint64_t kMaxMember = zip_uint64_t{4} << 30;

std::string zip_open_error(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

std::string read_member(zip_t* z, zip_uint64_t index, const std::string& what, zip_uint64_t archive_bytes) {
  zip_stat_t st;
  zip_stat_init(&st);
  SEGRT_CHECK(zip_stat_index(z, index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE), Io, what, ": ",
              zip_strerror(z));
  // The directory's size claim is checked before it is allocated: deflate
  // cannot expand more than 1032:1, and no member may exceed kMaxMember.
  // (A stored member's 1:1 passes the same test; its compressed size must fit in the archive.)
  SEGRT_CHECK(st.size <= kMaxMember && (st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size <= archive_bytes &&
                  st.size <= 1032 * st.comp_size + 4096,
              InvalidInput, what, ": claims ", st.size, " bytes uncompressed (", st.comp_size,
              " compressed): impossibly large");
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(z, index, 0), zip_fclose);
  SEGRT_CHECK(f, Io, what, ": ", zip_strerror(z));
  std::string bytes(st.size, '\0');
  zip_int64_t got = bytes.empty() ? 0 : zip_fread(f.get(), bytes.data(), st.size);
  SEGRT_CHECK(got >= 0 && static_cast<zip_uint64_t>(got) == st.size, InvalidInput, what,
              ": truncated or corrupt member (", got, " of ", st.size, " bytes)");
  char extra;  // reading past the declared end makes libzip check the CRC and notice longer data
  SEGRT_CHECK(zip_fread(f.get(), &extra, 1) == 0, InvalidInput, what,
              ": holds more or other data than its directory entry declares (", zip_file_strerror(f.get()), ")");
  return bytes;
}

}  // namespace

std::vector<NamedTensor> read_npz(const std::string& path) {
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  SEGRT_CHECK(z, Io, "cannot read .npz '", path, "': ", zip_open_error(err));
  zip_int64_t n = zip_get_num_entries(z.get(), 0);
  std::error_code ec;
  const zip_uint64_t archive_bytes = std::filesystem::file_size(path, ec);
  std::vector<NamedTensor> out;
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* raw = zip_get_name(z.get(), static_cast<zip_uint64_t>(i), 0);
    SEGRT_CHECK(raw, Io, path, ": ", zip_strerror(z.get()));
    std::string name = raw;
    if (!name.empty() && name.back() == '/') continue;  // a directory entry
    std::string what = path + " member '" + name + "'";
    std::string bytes = read_member(z.get(), static_cast<zip_uint64_t>(i), what, archive_bytes);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out.push_back({name, parse_npy(bytes, what)});
  }
  return out;
}

void write_npz(const std::string& path, const std::vector<NamedTensor>& tensors) {
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err));
  SEGRT_CHECK(z, Io, "cannot write .npz '", path, "': ", zip_open_error(err));
  // libzip reads the buffers at zip_close, so they must outlive it.
  std::vector<std::string> buffers;
  buffers.reserve(tensors.size());
  for (const auto& t : tensors) {
    buffers.push_back(npy_bytes(t.value));
    const std::string& b = buffers.back();
    zip_source_t* src = zip_source_buffer(z.get(), b.data(), b.size(), 0);
    SEGRT_CHECK(src, Io, path, ": ", zip_strerror(z.get()));
    zip_int64_t idx = zip_file_add(z.get(), (t.name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      SEGRT_FAIL(Io, path, ": cannot add '", t.name, "': ", zip_strerror(z.get()));
    }
    zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
  }
  zip_t* raw = z.release();
  if (zip_close(raw) != 0) {
    std::string why = zip_strerror(raw);
    zip_discard(raw);
    SEGRT_FAIL(Io, "cannot write .npz '", path, "': ", why);
  }
}

}  // namespace segrt
