// Content hashes (xxHash's XXH3, 128 bits, as hex): cache keys for weights
// and models. Not cryptographic; collisions are not a security boundary here.
#pragma once
#include <cstddef>
#include <string>

namespace segrt {

std::string content_hash(const void* data, size_t size);

}  // namespace segrt
