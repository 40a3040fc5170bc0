// Whole-file reads (file.h).
#include "core/file.h"

#include <fstream>
#include <sstream>

#include "segrt/error.h"

namespace segrt {

std::string read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  SEGRT_CHECK(f.good(), Io, "cannot open '", path, "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace segrt
