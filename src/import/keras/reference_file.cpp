// HDF5 tensor files (Keras reference activations) -> TensorGroups. Only the
// Keras importer's folder includes HDF5 (STYLE rule 4).
#include "import/keras/reference_file.h"

#include <hdf5.h>

#include <cstring>
#include <fstream>

#include "import/isolate.h"
#include "import/keras/keras_hdf5.h"

namespace segrt {

namespace {

// Reference activations are model-sized tensors: the engine's default cap.
constexpr size_t kMaxTensorBytes = size_t{2} << 30;

// Closes an HDF5 handle with the right function when it leaves scope.
class H5Handle {
 public:
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5Handle() {
    if (id_ >= 0) close_(id_);
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

Tensor read_dataset(hid_t file, const std::string& path) {
  H5Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  SEGRT_CHECK(ds.ok(), Io, "cannot open dataset '", path, "'");
  H5Handle space(H5Dget_space(ds.get()), H5Sclose);
  H5Handle type(H5Dget_type(ds.get()), H5Tclose);
  SEGRT_CHECK(space.ok() && type.ok(), Io, "cannot read the shape of dataset '", path, "'");
  int rank = H5Sget_simple_extent_ndims(space.get());
  SEGRT_CHECK(rank >= 0 && rank <= 8, InvalidInput, "dataset '", path, "' has unsupported rank ", rank);
  H5T_class_t cls = H5Tget_class(type.get());
  SEGRT_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, InvalidInput, "dataset '", path,
              "' is not a numeric array (HDF5 type class ", static_cast<int>(cls), ")");
  // HDF5 converts any stored float (half, double) or integer width on read.
  bool is_float = cls == H5T_FLOAT;
  Shape shape = keras::checked_dataset_shape(ds.get(), path, is_float ? 4 : 8, kMaxTensorBytes);
  Tensor t(is_float ? DType::f32 : DType::i64, shape);
  if (t.numel() == 0) return t;
  herr_t rc = H5Dread(ds.get(), is_float ? H5T_NATIVE_FLOAT : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      t.raw());
  SEGRT_CHECK(rc >= 0, Io, "cannot read dataset '", path, "'");
  return t;
}

// Walks the group at `path` (links in name order), appending every dataset.
void walk(hid_t file, const std::string& path, TensorGroups& out, int depth) {
  SEGRT_CHECK(depth < 32, InvalidInput, "groups nested too deeply at '", path, "'");
  H5Handle group(H5Gopen2(file, path.empty() ? "/" : path.c_str(), H5P_DEFAULT), H5Gclose);
  SEGRT_CHECK(group.ok(), Io, "cannot open group '", path, "'");
  H5G_info_t info;
  SEGRT_CHECK(H5Gget_info(group.get(), &info) >= 0, Io, "cannot list group '", path, "'");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    SEGRT_CHECK(len >= 0, Io, "cannot list group '", path, "'");
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    std::string child = path.empty() ? name : path + "/" + name;
    H5Handle obj(H5Oopen(file, child.c_str(), H5P_DEFAULT), H5Oclose);
    if (!obj.ok()) continue;  // a dangling soft or external link
    H5I_type_t kind = H5Iget_type(obj.get());
    if (kind == H5I_GROUP) {
      walk(file, child, out, depth + 1);
    } else if (kind == H5I_DATASET) {
      auto slash = child.find('/');
      if (slash == std::string::npos) out[""].push_back({child, read_dataset(file, child)});
      else out[child.substr(0, slash)].push_back({child.substr(slash + 1), read_dataset(file, child)});
    }
  }
}

bool is_hdf5(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  f.read(magic, 8);
  return f.gcount() == 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0;
}

// libhdf5 crashes and loops on some malformed files (../shared/fuzz-findings):
// the file is read in a limited child process (import/isolate.h), its tensors
// travel back as the constants of a Graph named "group/name".
TensorGroups read_isolated(const std::string& path) {
  auto read = [&] {
    Graph g;
    for (const auto& [group, tensors] : read_hdf5_tensor_groups(path))
      for (const auto& t : tensors) g.add_constant(group.empty() ? t.name : group + "/" + t.name, t.value);
    return g;
  };
  Graph g = import_in_child(read, path, limits_for_files({path}), kMaxTensorBytes);
  std::vector<NamedTensor> flat;
  for (const Value& v : g.values) flat.push_back({v.name, v.constant});
  return group_by_folder(flat);
}

const bool registered = register_tensor_file_reader("hdf5", is_hdf5, read_isolated);

}  // namespace

TensorGroups read_hdf5_tensor_groups(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by us, with names
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  SEGRT_CHECK(file.ok(), Io, "cannot open '", path, "' as HDF5");
  TensorGroups out;
  try {
    walk(file.get(), "", out, 0);
  } catch (Error& e) {
    throw e.with_file(path);
  }
  return out;
}

}  // namespace segrt
