// content_hash (core/hash.h) over xxHash.
#include "core/hash.h"

#include <xxhash.h>

#include <cstdio>

namespace segrt {

std::string content_hash(const void* data, size_t size) {
  XXH128_hash_t h = XXH3_128bits(data, size);
  char b[33];
  std::snprintf(b, sizeof b, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return b;
}

}  // namespace segrt
