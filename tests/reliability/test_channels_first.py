"""Issue 17: an image given channels first, ``(3, H, W)`` as PyTorch stores it, is refused everywhere.

Read as channels last it would be an image three pixels high with W channels
(or three grey images); every function and widget that takes a learner's
image says so and names ``np.moveaxis`` instead. Channels-last images, 2-D
images and ambiguous tiny ones such as ``(3, 3, 3)`` still work. The rows
here are the numpy-only entry points; pretrained and DeepDream are in
``test_model_inputs.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.reliability("bad-input")


def _entries():
    from cnnlab.widgets import _base, feature_maps, kernel_explorer, pooling_explorer

    return {
        "widgets.named_images": lambda image: _base.named_images({"mine": image}, dict),
        "kernel_explorer.channel_planes": kernel_explorer.channel_planes,
        "kernel_explorer.feature_map": lambda image: kernel_explorer.feature_map(image, np.ones((3, 3))),
        "pooling_explorer.pool": pooling_explorer.pool,
        "pooling_explorer.shift_invariance": pooling_explorer.shift_invariance,
        "pooling_explorer.orientation_maps": pooling_explorer.orientation_maps,
        "feature_maps.prepare_image": feature_maps.prepare_image,
        "KernelExplorer": lambda image: kernel_explorer.KernelExplorer(image).close(),
        "PoolingExplorer": lambda image: pooling_explorer.PoolingExplorer(image).close(),
    }


ENTRIES = ["widgets.named_images", "kernel_explorer.channel_planes", "kernel_explorer.feature_map",
           "pooling_explorer.pool", "pooling_explorer.shift_invariance", "pooling_explorer.orientation_maps",
           "feature_maps.prepare_image", "KernelExplorer", "PoolingExplorer"]

RNG = np.random.default_rng(17)
CHANNELS_FIRST = {"rgb": RNG.random((3, 24, 30), dtype=np.float32), "grey-batch": RNG.random((1, 24, 30), dtype=np.float32),
                  "rgba": RNG.random((4, 24, 30), dtype=np.float32)}
CHANNELS_LAST = {"rgb": RNG.random((24, 30, 3), dtype=np.float32), "grey": RNG.random((24, 30, 1), dtype=np.float32),
                 "tiny-ambiguous": RNG.random((3, 3, 3), dtype=np.float32)}


def test_every_entry_has_a_row():
    assert sorted(_entries()) == sorted(ENTRIES)


@pytest.mark.parametrize("layout", CHANNELS_FIRST)
@pytest.mark.parametrize("entry", ENTRIES)
def test_a_channels_first_image_is_refused_with_the_fix(entry, layout):
    image = CHANNELS_FIRST[layout]
    with pytest.raises(ValueError, match=r"looks channels-first.*np\.moveaxis\("):
        _entries()[entry](image)


@pytest.mark.parametrize("layout", CHANNELS_LAST)
@pytest.mark.parametrize("entry", ENTRIES)
def test_a_channels_last_image_still_works(entry, layout):
    image = CHANNELS_LAST[layout]
    if entry.endswith("Explorer") and layout == "tiny-ambiguous":
        image = np.tile(image, (8, 8, 1))  # the explorers need room for a 7×7 kernel
    if entry == "PoolingExplorer" and image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)  # it shows colour photos only, and says so
    _entries()[entry](image)
