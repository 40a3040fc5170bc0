"""segrt.segment(): images in, class maps out, as `segrt segment` computes them."""
from collections import namedtuple

from . import _segrt

Segmentation = namedtuple("Segmentation", "mask probs tiles classes")
Segmentation.__doc__ = """The result of segrt.segment().

mask: (H, W) uint8 class id per pixel; probs: (C, H, W) float32 class probabilities
(None unless probs=True); tiles: model inputs the image took (1 untiled); classes: class names.
"""


def segment(engine, image, config=None, sidecar=None, probs=False):
    """Segments one image with `engine` (a segrt.Engine).

    image: a (H, W) or (H, W, C) uint8 / uint16 array (C = 1..4: gray, gray+alpha, RGB,
    RGBA) or an image file path (PNG, JPEG, BMP, TIFF).
    config: a dict overriding the sidecar's keys (docs/segment.md), e.g.
    {"threshold": 0.3, "tile_size": 256, "classes": ["background", "membrane"]}.
    sidecar: None finds MODEL.segrt.json beside the engine's model file; False uses none;
    or a path. Images of any size are padded to the network's stride (or resized for
    fixed-size models) and tiled with blended overlaps when large.
    """
    if not _segrt.WITH_APP:
        raise _segrt.Unsupported("segrt was built without its app part (image pipeline): segment() is unavailable")
    mask, p, tiles, classes = _segrt._segment(engine, image, config, sidecar, probs)
    return Segmentation(mask, p, tiles, classes)
