// A thin RAII layer over the HDF5 C library for the Keras importer: open a
// file (from disk or from bytes held in memory, for the model.weights.h5 of a
// .keras zip), list groups, read string attributes and float datasets.
// Every failure becomes a segrt::Error naming the HDF5 path; HDF5's own error
// printing is switched off so nothing reaches stderr.
//
//   H5File f = H5File::open("unet.h5");
//   std::string cfg = read_string_attr(f.id(), "model_config");
//   Tensor k = read_dataset(f.id(), "model_weights/conv2d/conv2d/kernel:0");
#pragma once
#include <hdf5.h>

#include <string>
#include <vector>

#include "segrt/tensor.h"

namespace segrt::keras {

// Owns one HDF5 identifier (file, group, dataset, attribute, type, space).
class H5Handle {
 public:
  H5Handle() = default;
  explicit H5Handle(hid_t id) : id_(id) {}
  H5Handle(H5Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  H5Handle& operator=(H5Handle&& o) noexcept;
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle();
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
};

class H5File {
 public:
  // Io when the file cannot be read, InvalidModel when it is not (valid) HDF5.
  static H5File open(const std::string& path);
  // Opens HDF5 bytes held in memory; `what` names them in errors.
  // (HDF5 copies the bytes.)
  static H5File open_image(const std::string& bytes, const std::string& what);
  hid_t id() const { return h_.id(); }
  // Largest dataset read_dataset accepts from this file (ImportOptions::max_tensor_bytes).
  size_t max_tensor_bytes = size_t{2} << 30;

 private:
  H5Handle h_;
};

bool has_link(hid_t loc, const std::string& path);
bool is_group(hid_t loc, const std::string& path);
H5Handle open_group(hid_t loc, const std::string& path);
// Names of the direct children of a group, in HDF5's name order.
std::vector<std::string> child_names(hid_t group);

bool has_attr(hid_t obj, const std::string& name);
// A scalar string attribute (fixed or variable length).
std::string read_string_attr(hid_t obj, const std::string& name);
// A 1-D string array attribute. Keras writes an empty list as an empty float
// array, and splits long lists into name0, name1, ... chunks: both are handled.
std::vector<std::string> read_string_list_attr(hid_t obj, const std::string& name);
// Refuses a dataset before it is read: dims whose product overflows, more
// than max_bytes once read as elem_bytes-sized elements, or (uncompressed)
// more bytes than the file stores for it. Returns its shape.
Shape checked_dataset_shape(hid_t dataset, const std::string& where, size_t elem_bytes, size_t max_bytes);
// A numeric dataset converted to float32, keeping its shape. Refused before
// any allocation when it is over max_bytes, or claims more bytes than the
// file stores for it (an uncompressed dataset must be in the file).
Tensor read_dataset(hid_t loc, const std::string& path, size_t max_bytes);

}  // namespace segrt::keras
