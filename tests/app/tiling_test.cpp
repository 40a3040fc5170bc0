// Padding and tiling geometry: mirrored indices, tile starts that cover the
// padded image on the stride grid, and blend weights.
#include <gtest/gtest.h>

#include "app/tiling.h"

using namespace segrt::app;

TEST(Tiling, PadIndex) {
  // reflect: ... 2 1 | 0 1 2 3 4 | 3 2 ...
  EXPECT_EQ(pad_index(-1, 5, PadMode::Reflect), 1);
  EXPECT_EQ(pad_index(-2, 5, PadMode::Reflect), 2);
  EXPECT_EQ(pad_index(5, 5, PadMode::Reflect), 3);
  EXPECT_EQ(pad_index(6, 5, PadMode::Reflect), 2);
  EXPECT_EQ(pad_index(3, 5, PadMode::Reflect), 3);
  // Padding wider than the image keeps mirroring.
  for (int64_t i = -40; i < 40; ++i) {
    int64_t r = pad_index(i, 3, PadMode::Reflect);
    EXPECT_TRUE(r >= 0 && r < 3) << i;
  }
  EXPECT_EQ(pad_index(7, 1, PadMode::Reflect), 0);
  EXPECT_EQ(pad_index(-3, 5, PadMode::Edge), 0);
  EXPECT_EQ(pad_index(9, 5, PadMode::Edge), 4);
  EXPECT_EQ(pad_index(9, 5, PadMode::Zero), -1);
  EXPECT_EQ(pad_index(2, 5, PadMode::Zero), 2);
}

TEST(Tiling, RoundUp) {
  EXPECT_EQ(round_up(509, 16), 512);
  EXPECT_EQ(round_up(391, 16), 400);
  EXPECT_EQ(round_up(512, 16), 512);
  EXPECT_EQ(round_up(7, 1), 7);
}

TEST(Tiling, StartsCoverThePaddedImageOnTheStrideGrid) {
  for (int64_t padded : {16, 64, 512, 528, 1008, 4096}) {
    for (int64_t tile : {64, 256, 512}) {
      for (int64_t overlap : {0, 16, 100, 128}) {
        if (overlap >= tile) continue;
        int64_t t = std::min(tile, padded);
        auto starts = tile_starts(padded, t, overlap, 16);
        ASSERT_FALSE(starts.empty());
        EXPECT_EQ(starts.front(), 0);
        EXPECT_EQ(starts.back() + t, padded) << "the last tile ends at the edge";
        for (size_t i = 0; i < starts.size(); ++i) {
          EXPECT_EQ(starts[i] % 16, 0) << "tiles start on the stride grid";
          if (i == 0) continue;
          EXPECT_GT(starts[i], starts[i - 1]);
          EXPECT_GE(starts[i - 1] + t - starts[i], std::min<int64_t>(overlap / 16 * 16, t))
              << "neighbours overlap by at least the requested overlap (rounded to the stride)";
        }
      }
    }
  }
  EXPECT_EQ(tile_starts(400, 400, 64, 16), std::vector<int64_t>{0});
}

TEST(Tiling, BlendWeights) {
  // Closed sides (image edges) keep full weight; open sides fall to ~0 over the outer quarter of the overlap.
  EXPECT_FLOAT_EQ(blend_weight(0, 100, 20, false, false), 1.f);
  EXPECT_LT(blend_weight(0, 100, 20, true, false), 1e-3f);
  EXPECT_LT(blend_weight(4, 100, 20, true, false), 1e-3f);
  EXPECT_GT(blend_weight(0, 100, 20, true, false), 0.f);
  EXPECT_GT(blend_weight(7, 100, 20, true, false), 0.1f);
  EXPECT_FLOAT_EQ(blend_weight(50, 100, 20, true, true), 1.f);
  EXPECT_LT(blend_weight(99, 100, 20, false, true), 1e-3f);
  EXPECT_FLOAT_EQ(blend_weight(99, 100, 20, true, false), 1.f);
  // Two tiles overlapping by exactly `overlap`: weights sum to 1 across the overlap.
  for (int64_t overlap : {20, 32, 128})
    for (int64_t i = 0; i < overlap; ++i)
      EXPECT_NEAR(blend_weight(100 - overlap + i, 100, overlap, false, true) + blend_weight(i, 100, overlap, true, false),
                  1.f, 2e-4)
          << overlap << " " << i;
}
