// Shared by the libFuzzer harnesses: segrt's readers take paths, so each
// input is written to a file in /dev/shm (memory) with the extension that
// picks the reader, and segrt::Error (the one error path) is the expected
// outcome for malformed input; anything else escaping is a bug.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace segrt::fuzz {

// "/dev/shm/segrt-fuzz-<pid>-<tag><ext>", rewritten on every call.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& tag, const std::string& ext) {
  std::string path = "/dev/shm/segrt-fuzz-" + std::to_string(getpid()) + "-" + tag + ext;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Options for a fuzzed import: in this process (the fuzzer must see the
// parser's coverage and crashes) and a small tensor cap (the fuzzer's RSS limit is 2 GiB).
constexpr size_t kFuzzTensorCap = size_t{64} << 20;

}  // namespace segrt::fuzz
