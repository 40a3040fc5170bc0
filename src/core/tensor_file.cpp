// Reader registry for files of named tensors, plus the built-in .npz reader.
#include "core/tensor_file.h"

#include <filesystem>
#include <fstream>

#include "core/registry.h"

namespace segrt {

namespace {

struct Reader {
  TensorFileProbe probe;
  TensorFileReader read;
};
struct ReaderTag;
using Readers = Registry<std::string, Reader, ReaderTag>;  // probed in name order

bool is_zip(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return f.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

TensorGroups read_npz_groups(const std::string& path) { return group_by_folder(read_npz(path)); }

const bool npz_registered = register_tensor_file_reader("npz", is_zip, read_npz_groups);

}  // namespace

bool register_tensor_file_reader(const char* name, TensorFileProbe probe, TensorFileReader reader) {
  return Readers::add(name, {probe, reader});
}

TensorGroups group_by_folder(const std::vector<NamedTensor>& flat) {
  TensorGroups g;
  for (const auto& t : flat) {
    auto slash = t.name.find('/');
    if (slash == std::string::npos) g[""].push_back(t);
    else g[t.name.substr(0, slash)].push_back({t.name.substr(slash + 1), t.value});
  }
  return g;
}

const std::vector<NamedTensor>& tensor_group(const TensorGroups& groups, const std::string& name,
                                             const std::string& file) {
  auto it = groups.find(name);
  if (it != groups.end()) return it->second;
  std::string have;
  for (const auto& [g, t] : groups) have += (have.empty() ? "" : ", ") + (g.empty() ? "(top level)" : "'" + g + "'");
  SEGRT_FAIL(InvalidInput, "'", file, "' has no '", name, "' group (its groups: ", have.empty() ? "none" : have,
             ")");
}

TensorGroups read_tensor_groups(const std::string& path) {
  SEGRT_CHECK(std::filesystem::is_regular_file(path), Io, "cannot read '", path, "': no such file");
  std::string known;
  for (const auto& [name, r] : Readers::all()) {
    if (r.probe(path)) {
      try {
        return r.read(path);
      } catch (Error& e) {
        throw e.with_file(path);
      }
    }
    known += (known.empty() ? "" : ", ") + name;
  }
  SEGRT_FAIL(Unsupported, "'", path, "' is not a tensor file this build reads (", known, ")");
}

}  // namespace segrt
