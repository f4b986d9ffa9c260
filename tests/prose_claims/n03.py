"""Claims in notebook 03 (Filters and feature maps)."""

from functools import lru_cache

from tests.prose_claims import computed, name
from tests.prose_claims import code_has

NOTEBOOK = "03_filters_and_feature_maps.ipynb"


def _np():
    import numpy as np

    return np


@lru_cache(maxsize=None)
def _temple():
    from cnnlab import datasets

    return datasets.load_sample_image("temple")


def _line_filters():
    np = _np()
    from cnnlab import kernels

    vertical, horizontal = kernels.vertical_line(), kernels.horizontal_line()
    column = np.zeros((7, 7))
    column[:, 3] = 1
    return np.array_equal(vertical, column) and np.array_equal(horizontal, column.T)


def _vertical_sum():
    """With the chapter's filter bank, each output is the sum of 7 vertical neighbours in every channel, added up."""
    np = _np()
    from cnnlab import kernels, ops

    image = np.random.default_rng(0).random((12, 10, 3))
    out = ops.conv2d(image, kernels.filter_bank(kernels.vertical_line(), channels=3), padding="SAME")[..., 0]
    padded = np.pad(image, ((3, 3), (0, 0), (0, 0)))
    expected = sum(padded[d:d + 12] for d in range(7)).sum(axis=-1)
    return bool(np.allclose(out, expected, atol=1e-5))


@lru_cache(maxsize=None)
def _same_stride_1_keeps_size():
    from cnnlab import kernels, ops

    filters = kernels.filter_bank(kernels.vertical_line(), kernels.horizontal_line(), channels=3)
    out = ops.conv2d(_temple()[None], filters, strides=1, padding="SAME")
    return out.shape == (1, 427, 640, 2) and code_has(NOTEBOOK, 'strides=1, padding="SAME"')


def _gallery_scales():
    """The gallery's figure: signed maps blue–white–red to ± their 99th percentile of |v|, the others grey 1st–99th."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    np = _np()
    from cnnlab import kernels, plotting
    from cnnlab.widgets.kernel_explorer import feature_map

    names = ["sobel x", "sobel y", "laplacian", "sharpen", "emboss", "gaussian"]
    maps = [feature_map(_temple(), kernels.get(n)) for n in names]
    fig = plotting.show_images(maps, names, cols=3, size=3.2, robust=True)
    try:
        shown = [ax.images[0] for ax in fig.axes if ax.images]
        kinds = []
        for image, values in zip(shown, maps):
            low, high = image.get_clim()
            if image.get_cmap().name == "RdBu_r":  # matplotlib's red–blue map reversed: blue low, white middle, red high
                limit = np.percentile(np.abs(values), 99)
                kinds.append("signed" if np.isclose(-low, high) and np.isclose(high, limit) else "wrong")
            else:
                ok = image.get_cmap().name == "gray" and np.allclose((low, high), np.percentile(values, [1, 99]))
                kinds.append("grey" if ok else "wrong")
    finally:
        plt.close(fig)
    return kinds[0] == "signed" and kinds[-1] == "grey" and "wrong" not in kinds and len(kinds) == 6


def _sums_on_a_flat_patch():
    np = _np()
    from cnnlab import kernels, ops

    flat = np.full((9, 9, 1), 0.6)
    edge, blur = kernels.get("sobel x"), kernels.get("box blur")
    edge_out = ops.conv2d(flat, edge[:, :, None, None], padding="VALID")
    blur_out = ops.conv2d(flat, blur[:, :, None, None], padding="VALID")
    return (np.isclose(edge.sum(), 0) and np.isclose(blur.sum(), 1) and (blur > 0).all()
            and np.allclose(edge_out, 0, atol=1e-6) and np.allclose(blur_out, 0.6))


def _one_3x3_filter():
    from cnnlab import kernels

    return kernels.sobel_x().shape == (3, 3) and code_has(
        NOTEBOOK, 'keras.layers.Conv2D(1, 3, padding="same", use_bias=False)')


CLAIMS = [
    name("03 · Filters and feature maps", "the notebook's number in the course (its file is 03_….ipynb)"),
    name("02 · Convolutional layers", "the previous notebook's number in the course"),
    name("04 · Memory requirements", "the next notebook's number in the course"),
    computed("The chapter uses two 7×7 filters", _line_filters),
    computed("the sum of the 7 pixels in a vertical line around it", _vertical_sum),
    computed("stride 1 and SAME padding, so each feature map has the size of its image", _same_stride_1_keeps_size),
    computed("for each of the 2 images, 2 feature maps of 427×640 pixels",
             lambda: _same_stride_1_keeps_size() and code_has(NOTEBOOK, "datasets.load_sample_images()")),
    computed("up to ± the 99th percentile of its absolute values; the others are grey, from their 1st to their 99th "
             "percentile", _gallery_scales),
    computed("an edge detector, whose numbers sum to 0, against a blur, whose numbers are all positive and sum to 1: "
             "on a flat patch of the image the first gives 0",
             _sums_on_a_flat_patch),
    computed("with one 3×3 filter", _one_3x3_filter),
]
