// Geometry of padding and tiling, free of images and models so it can be
// tested on its own.
//
// An image of H x W is first extended (reflect/edge/zero) to the padded size
// H' x W', the next multiples of the network's stride. Untiled, that padded
// image is one model run. Tiled, tiles of size T (a multiple of the stride)
// start at multiples of the stride, overlap by at least `overlap`, and the
// last one ends exactly at H' - so every tile sees the same pooling grid as
// the untiled run would. Overlaps are blended with weights that fall
// to ~0 towards a tile edge that is not an image edge (see blend_weight).
#pragma once
#include <cstdint>
#include <vector>

#include "segrt/segment.h"

namespace segrt::app {

// n rounded up to a multiple of m.
int64_t round_up(int64_t n, int64_t m);

// Source index of padded coordinate i for a row/column of length n: inside
// [0, n) it is i; outside, mirrored (reflect: -1 -> 1, n -> n-2) or clamped
// (edge). Zero padding is the caller's business (returns -1 outside).
int64_t pad_index(int64_t i, int64_t n, PadMode mode);

// Tile start positions along one axis of padded length `padded`: tiles of
// length `tile` (multiples of `stride`) stepping by tile - overlap rounded
// down to the stride; one tile of the whole axis when it fits.
std::vector<int64_t> tile_starts(int64_t padded, int64_t tile, int64_t overlap, int64_t stride);

// Blending weight of position i in a tile of length n along one axis.
// A side that touches the image edge keeps weight 1. Within `overlap` of a
// side inside the image, the outer quarter is all but ignored (a tile's
// border pixels lacked context) and the middle half ramps up linearly; never
// exactly 0, so every pixel has a positive total weight.
float blend_weight(int64_t i, int64_t n, int64_t overlap, bool open_start, bool open_end);

}  // namespace segrt::app
