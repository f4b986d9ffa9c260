"""Claims in notebook 05 (Pooling)."""

from functools import lru_cache

from tests.prose_claims import cited, computed, name
from tests.prose_claims import code_has
from tests.prose_claims.n01 import BOOK

NOTEBOOK = "05_pooling.ipynb"


def _np():
    import numpy as np

    return np


@lru_cache(maxsize=None)
def _temple():
    from cnnlab import datasets

    return datasets.load_sample_image("temple")


def _crop():
    return _temple()[100:300, 150:450]


@lru_cache(maxsize=None)
def _invariance(mode, size):
    from cnnlab.widgets.pooling_explorer import shift_invariance

    return shift_invariance(_crop(), mode, pool_size=size)


def _by_hand():
    np = _np()
    from cnnlab import ops

    x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 0, 7, 1], [2, 1, 0, 3]], dtype=np.float32)[..., None]
    pooled = ops.max_pool2d(x, pool_size=2, strides=2)[..., 0]
    largest = x[..., 0].reshape(2, 2, 2, 2).max(axis=(1, 3))
    return pooled.shape == (2, 2) and np.array_equal(pooled, largest)


def _quarter_kept():
    from cnnlab import ops

    pooled = ops.max_pool2d(_temple(), pool_size=2, strides=2, padding="VALID")
    return pooled.shape == (213, 320, 3) and 4 * 213 * 320 == 426 * 640 and 427 // 2 == 213


def _shift_sentence():
    pixels_same, outputs_same = _invariance("max", 2)
    return round(1 - pixels_same, 1) == 0.8 and outputs_same > 2 * pixels_same


def _summary_percentages():
    pixels_same, max_same = _invariance("max", 2)
    _, average_same = _invariance("average", 2)
    return round(100 * max_same) == 44 and round(100 * pixels_same) == 20 and average_same < pixels_same


def _depth_pool_of_6():
    from cnnlab import ops
    from cnnlab.widgets.pooling_explorer import ORIENTATIONS, orientation_maps

    maps = orientation_maps(_crop())
    return len(ORIENTATIONS) == 6 and maps.shape[-1] == 6 and ops.depth_max_pool(maps, 6).shape[-1] == 1


@lru_cache(maxsize=None)
def _explorer():
    np = _np()
    from cnnlab.widgets import PoolingExplorer

    return PoolingExplorer({"noise": np.random.default_rng(0).random((24, 24, 3))})


def _depth_choices():
    from cnnlab import ops

    maps = _np().zeros((4, 4, 6))  # six orientation maps
    counts = [ops.depth_max_pool(maps, size).shape[-1] for size in (6, 1, 2, 3)]
    return list(_explorer().depth_size.options) == [1, 2, 3, 6] and counts == [1, 6, 3, 2]


def _window_2_to_6():
    explorer = _explorer()
    return (explorer.pool_size.min <= 2 and explorer.pool_size.max == 6
            and _invariance("max", 6)[1] > _invariance("max", 2)[1])


def _pool_vs_conv():
    from cnnlab import memory

    pool = memory.pool2d_stats((32, 32, 64), pool_size=2, strides=2)
    conv = memory.conv2d_stats((32, 32, 64), filters=64, kernel_size=2, strides=2, padding="VALID")
    return (pool.params == 0 and conv.params == 2 * 2 * 64 * 64 + 64 == 16_448
            and pool.output_shape == conv.output_shape == (16, 16, 64)
            and code_has(NOTEBOOK, "keras.Input((32, 32, 64))", "keras.layers.Conv2D(64, kernel_size=2, strides=2)"))


CLAIMS = [
    name("05 · Pooling", "the notebook's number in the course (its file is 05_pooling.ipynb)"),
    name("04 · Memory requirements", "the previous notebook's number in the course"),
    name("06 · CNN architectures", "the next notebook's number in the course"),
    cited("max pooling with a 2×2 window and stride 2 (Figure 13-8)",
          f"{BOOK}, Figure 13-8 (max pooling layer: 2 × 2 pooling kernel, stride 2, no padding)"),
    computed("a 4×4 input and its max pooling with a 2×2 window and a stride of 2", _by_hand),
    cited("The chapter's example is 2×2 max pooling with a stride of 2 and no padding",
          f"{BOOK}, 'Pooling Layer' (tf.nn.max_pool with ksize=[1,2,2,1], strides=[1,2,2,1], padding='VALID')"),
    computed("the 427th row has no partner and is dropped, so 427 rows become 213", _quarter_kept),
    computed("most pixel values change (four in five on the crop below), but many of the maxima of 2×2 windows",
             _shift_sentence),
    computed("a depth pool of 6 leaves one channel", _depth_pool_of_6),
    computed("a depth pool of 6 gives one map, as above, and a depth pool of 1, 2 or 3 gives 6, 3 or 2 maps",
             _depth_choices),
    computed("Compare a 2×2 max pooling layer with a 2×2 convolution of stride 2 that keeps the 64 channels",
             _pool_vs_conv),
    computed("2×2×64×64 + 64 = 16,448", _pool_vs_conv),
    computed("A 2×2 window with stride 2 keeps a quarter of the values", _quarter_kept),
    computed("(44 % against 20 % on the temple crop)", _summary_percentages),
    computed("grow the max pooling window from 2 to 6", _window_2_to_6),
]
