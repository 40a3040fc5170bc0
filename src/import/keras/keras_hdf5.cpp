// HDF5 helpers for the Keras importer (see keras_hdf5.h).
#include "import/keras/keras_hdf5.h"

#include <cstring>
#include <fstream>

namespace segrt::keras {

namespace {

// HDF5 prints its error stack to stderr by default; segrt reports its own.
void silence_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

void close_any(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
  }
}

std::string object_name(hid_t obj) {
  char buf[512] = {0};
  if (H5Iget_name(obj, buf, sizeof buf) <= 0) return "?";
  return buf;
}

// Reads all strings of an attribute of string type (scalar or 1-D).
std::vector<std::string> read_strings(hid_t attr, const std::string& what) {
  H5Handle type(H5Aget_type(attr));
  H5Handle space(H5Aget_space(attr));
  SEGRT_CHECK(type.valid() && space.valid(), InvalidModel, "cannot read HDF5 attribute ", what);
  hssize_t n = H5Sget_simple_extent_npoints(space.id());
  SEGRT_CHECK(n >= 0, InvalidModel, "cannot read HDF5 attribute ", what);
  std::vector<std::string> out;
  if (n == 0) return out;
  // Keras writes an empty name list as an empty float array; any other
  // non-string attribute here is a malformed file.
  SEGRT_CHECK(H5Tget_class(type.id()) == H5T_STRING, InvalidModel, "HDF5 attribute ", what,
              " should hold strings");
  if (H5Tis_variable_str(type.id()) > 0) {
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    H5Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
    herr_t rc = H5Aread(attr, mem.id(), ptrs.data());
    if (rc >= 0)
      for (char* p : ptrs) out.emplace_back(p ? p : "");
    // Also after a failed read, which may have allocated some of the strings.
    H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, ptrs.data());
    SEGRT_CHECK(rc >= 0, InvalidModel, "cannot read HDF5 attribute ", what);
  } else {
    size_t len = H5Tget_size(type.id());
    std::vector<char> buf(len * static_cast<size_t>(n) + 1, '\0');
    SEGRT_CHECK(H5Aread(attr, type.id(), buf.data()) >= 0, InvalidModel, "cannot read HDF5 attribute ", what);
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buf.data() + static_cast<size_t>(i) * len;
      out.emplace_back(p, strnlen(p, len));
    }
  }
  return out;
}

}  // namespace

H5Handle& H5Handle::operator=(H5Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0) close_any(id_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

H5Handle::~H5Handle() {
  if (id_ >= 0) close_any(id_);
}

H5File H5File::open(const std::string& path) {
  silence_hdf5();
  {
    std::ifstream f(path, std::ios::binary);
    SEGRT_CHECK(f.good(), Io, "cannot open '", path, "'");
  }
  H5File file;
  file.h_ = H5Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  SEGRT_CHECK(file.h_.valid(), InvalidModel, "'", path,
              "' is not a readable HDF5 file (truncated, corrupt or another format)");
  return file;
}

H5File H5File::open_image(const std::string& bytes, const std::string& what) {
  silence_hdf5();
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  SEGRT_CHECK(fapl.valid() && H5Pset_fapl_core(fapl.id(), 1 << 16, false) >= 0 &&
                  H5Pset_file_image(fapl.id(), const_cast<char*>(bytes.data()), bytes.size()) >= 0,
              Internal, "cannot set up an in-memory HDF5 file for ", what);
  H5File file;
  file.h_ = H5Handle(H5Fopen(what.c_str(), H5F_ACC_RDONLY, fapl.id()));
  SEGRT_CHECK(file.h_.valid(), InvalidModel, what, " is not a readable HDF5 file (truncated or corrupt)");
  return file;
}

bool has_link(hid_t loc, const std::string& path) {
  // H5Lexists needs every intermediate link to exist: check each prefix.
  size_t pos = 0;
  while (true) {
    size_t next = path.find('/', pos);
    std::string prefix = path.substr(0, next);
    if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

bool is_group(hid_t loc, const std::string& path) {
  if (!has_link(loc, path)) return false;
  H5Handle o(H5Oopen(loc, path.c_str(), H5P_DEFAULT));
  return o.valid() && H5Iget_type(o.id()) == H5I_GROUP;
}

H5Handle open_group(hid_t loc, const std::string& path) {
  SEGRT_CHECK(is_group(loc, path), InvalidModel, "HDF5 group '", path, "' is missing under ", object_name(loc));
  H5Handle g(H5Gopen2(loc, path.c_str(), H5P_DEFAULT));
  SEGRT_CHECK(g.valid(), InvalidModel, "cannot open HDF5 group '", path, "' under ", object_name(loc));
  return g;
}

std::vector<std::string> child_names(hid_t group) {
  // By index rather than H5Literate, whose signature changed in HDF5 1.12.
  H5G_info_t info;
  SEGRT_CHECK(H5Gget_info(group, &info) >= 0, InvalidModel, "cannot list HDF5 group ", object_name(group));
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    SEGRT_CHECK(len >= 0, InvalidModel, "cannot list HDF5 group ", object_name(group));
    std::string name(static_cast<size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<size_t>(len));
    names.push_back(name);
  }
  return names;
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::string read_string_attr(hid_t obj, const std::string& name) {
  std::string what = "'" + name + "' of " + object_name(obj);
  SEGRT_CHECK(has_attr(obj, name), InvalidModel, "HDF5 attribute ", what, " is missing");
  H5Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  SEGRT_CHECK(a.valid(), InvalidModel, "cannot open HDF5 attribute ", what);
  auto v = read_strings(a.id(), what);
  SEGRT_CHECK(v.size() == 1, InvalidModel, "HDF5 attribute ", what, " should hold one string, holds ", v.size());
  return v[0];
}

std::vector<std::string> read_string_list_attr(hid_t obj, const std::string& name) {
  std::vector<std::string> out;
  if (has_attr(obj, name)) {
    H5Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    SEGRT_CHECK(a.valid(), InvalidModel, "cannot open HDF5 attribute '", name, "'");
    return read_strings(a.id(), "'" + name + "' of " + object_name(obj));
  }
  // Keras splits attributes over 64 KiB into name0, name1, ...
  for (int i = 0; has_attr(obj, name + std::to_string(i)); ++i) {
    std::string chunk = name + std::to_string(i);
    H5Handle a(H5Aopen(obj, chunk.c_str(), H5P_DEFAULT));
    SEGRT_CHECK(a.valid(), InvalidModel, "cannot open HDF5 attribute '", chunk, "'");
    auto part = read_strings(a.id(), "'" + chunk + "' of " + object_name(obj));
    out.insert(out.end(), part.begin(), part.end());
  }
  SEGRT_CHECK(!out.empty() || has_attr(obj, name + "0"), InvalidModel, "HDF5 attribute '", name, "' of ",
              object_name(obj), " is missing");
  return out;
}

Shape checked_dataset_shape(hid_t dataset, const std::string& where, size_t elem_bytes, size_t max_bytes) {
  H5Handle type(H5Dget_type(dataset));
  H5Handle space(H5Dget_space(dataset));
  int rank = H5Sget_simple_extent_ndims(space.id());
  SEGRT_CHECK(rank >= 0 && rank <= 8, InvalidModel, "HDF5 dataset '", where, "' has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  Shape shape(dims.begin(), dims.end());
  // Sizes in u64 with overflow checks: the dims are the file's word.
  uint64_t numel = 1;
  for (hsize_t d : dims) {
    SEGRT_CHECK(d <= (uint64_t{1} << 62) && (d == 0 || numel <= (uint64_t{1} << 62) / d), InvalidModel,
                "HDF5 dataset '", where, "' declares impossibly large dims ", shape_str(shape));
    numel *= d;
  }
  SEGRT_CHECK(numel <= max_bytes / elem_bytes, InvalidModel, "HDF5 dataset '", where, "' ", shape_str(shape),
              " needs ", numel * elem_bytes, " bytes in memory, over the limit of ", max_bytes,
              " (Options::max_tensor_bytes)");
  size_t file_elem = H5Tget_size(type.id());
  H5Handle dcpl(H5Dget_create_plist(dataset));
  bool filtered = dcpl.valid() && H5Pget_nfilters(dcpl.id()) > 0;  // compressed: stored size proves nothing
  if (numel > 0 && !filtered) {
    uint64_t need = numel * file_elem;
    hsize_t stored = H5Dget_storage_size(dataset);
    hsize_t file_size = 0;
    H5Handle file(H5Iget_file_id(dataset));
    if (file.valid()) H5Fget_filesize(file.id(), &file_size);
    SEGRT_CHECK(stored >= need && (file_size == 0 || need <= file_size), InvalidModel, "HDF5 dataset '", where,
                "' ", shape_str(shape), " claims ", need, " bytes, but the file stores ", stored, " for it (",
                file_size, " bytes in all): truncated or malformed");
  }
  return shape;
}

Tensor read_dataset(hid_t loc, const std::string& path, size_t max_bytes) {
  std::string where = object_name(loc) + "/" + path;
  SEGRT_CHECK(has_link(loc, path), InvalidModel, "HDF5 dataset '", where, "' is missing");
  H5Handle d(H5Dopen2(loc, path.c_str(), H5P_DEFAULT));
  SEGRT_CHECK(d.valid(), InvalidModel, "cannot open HDF5 dataset '", where, "'");
  H5Handle type(H5Dget_type(d.id()));
  H5T_class_t cls = H5Tget_class(type.id());
  SEGRT_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, Unsupported, "HDF5 dataset '", where,
              "' is not numeric (weights must be float)");
  Shape shape = checked_dataset_shape(d.id(), where, sizeof(float), max_bytes);
  Tensor t(DType::f32, shape);
  if (t.numel() > 0)
    SEGRT_CHECK(H5Dread(d.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw()) >= 0, InvalidModel,
                "cannot read HDF5 dataset '", where, "' ", shape_str(shape), " (truncated file?)");
  return t;
}

}  // namespace segrt::keras
