"""Claims in notebook 02 (Convolutional layers)."""

import math

from tests.prose_claims import cited, computed, name, printed
from tests.prose_claims import code_has
from tests.prose_claims.n01 import BOOK

NOTEBOOK = "02_convolutional_layers.ipynb"


def _np():
    import numpy as np

    return np


def _ops():
    from cnnlab import ops

    return ops


def _equation_13_1(x, w, b, sh, sw):
    """Equation 13-1 term by term on an already padded input ``x`` (height, width, channels)."""
    fh, fw, fn_prev, maps = w.shape
    out_h, out_w = (x.shape[0] - fh) // sh + 1, (x.shape[1] - fw) // sw + 1
    z = _np().zeros((out_h, out_w, maps))
    for i in range(out_h):
        for j in range(out_w):
            for k in range(maps):
                total = b[k]
                for u in range(0, fh):          # u = 0 … f_h − 1
                    for v in range(0, fw):      # v = 0 … f_w − 1
                        for kp in range(0, fn_prev):  # k' = 0 … f_n' − 1
                            total += x[i * sh + u, j * sw + v, kp] * w[u, v, kp, k]
                z[i, j, k] = total
    return z


def _equation_holds():
    """Equation 13-1, with a non-square filter and different strides, is what ops.conv2d computes (VALID and SAME)."""
    np, ops = _np(), _ops()
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((9, 11, 2)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    for padding in ("VALID", "SAME"):
        pads = ops.padding_amounts(x.shape[:2], (3, 2), (2, 3), padding)
        padded = np.pad(x, (*pads, (0, 0)))
        expected = ops.conv2d(x, w, b, strides=(2, 3), padding=padding)
        if not np.allclose(_equation_13_1(padded, w, b, 2, 3), expected, atol=1e-5):
            return False
    return True


def _rows_and_columns_read():
    """Output (i, j) changes when input (r, c) does exactly when r is in i×sh … i×sh+fh−1 and c in j×sw … j×sw+fw−1."""
    np, ops = _np(), _ops()
    fh, fw, sh, sw = 3, 2, 2, 3
    w = np.ones((fh, fw, 1, 1))
    base = ops.conv2d(np.zeros((9, 11, 1)), w, strides=(sh, sw))[..., 0]
    for r in range(9):
        for c in range(11):
            x = np.zeros((9, 11, 1))
            x[r, c] = 1.0
            changed = ops.conv2d(x, w, strides=(sh, sw))[..., 0] != base
            rows, cols = np.indices(changed.shape)
            reads = (rows * sh <= r) & (r <= rows * sh + fh - 1) & (cols * sw <= c) & (c <= cols * sw + fw - 1)
            if not np.array_equal(changed, reads):
                return False
    return True


def _by_hand():
    np, ops = _np(), _ops()
    x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    z = ops.conv2d_naive(x, np.ones((2, 2, 1, 1), np.float32), strides=2)[..., 0]
    blocks = x[..., 0].reshape(2, 2, 2, 2).sum(axis=(1, 3))
    return (np.array_equal(z, blocks) and z[0, 0] == 0 + 1 + 4 + 5 == 10
            and code_has(NOTEBOOK, "reshape(4, 4, 1)", "np.ones((2, 2, 1, 1)", "strides=2)"))


def _fast_agrees():
    np, ops = _np(), _ops()
    rng = np.random.default_rng(0)
    batch = rng.standard_normal((2, 20, 30, 3)).astype(np.float32)
    filters = rng.standard_normal((5, 5, 3, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    naive = ops.conv2d_naive(batch, filters, bias, strides=2, padding="SAME")
    fast = ops.conv2d(batch, filters, bias, strides=2, padding="SAME")
    return naive.shape == (2, 10, 15, 4) and bool(np.abs(naive - fast).max() < 1e-5)


def _window_count(n, f, s):
    """How many windows of width f, s apart, fit in n inputs: counted, not from a formula."""
    return len(range(0, n - f + 1, s))


def _same_gives_ceil():
    ops = _ops()
    return all(ops.output_size(n, f, s, "SAME") == math.ceil(n / s)
               and _window_count(n + sum(ops.same_padding(n, f, s)), f, s) == math.ceil(n / s)
               and (s > 1 or ops.output_size(n, f, s, "SAME") == n)
               for n in range(1, 30) for f in range(1, 8) for s in range(1, 7))


def _valid_gives_floor():
    ops = _ops()
    return all(ops.output_size(n, f, s, "VALID") == (n - f) // s + 1 == _window_count(n, f, s)
               for n in range(1, 30) for f in range(1, n + 1) for s in range(1, 7))


def _extra_zero_after():
    """TensorFlow itself puts the odd zero after: Figure 13-7's SAME windows read [0, x0..x4], x4..x9, x9..x12 + 0, 0."""
    import numpy as np
    import tensorflow as tf

    x = np.arange(1, 14, dtype=np.float32)
    out = tf.nn.conv2d(x.reshape(1, 1, 13, 1), np.ones((1, 6, 1, 1), np.float32), strides=5, padding="SAME")
    padded = np.concatenate([[0.0], x, [0.0, 0.0]])
    return np.allclose(out.numpy().ravel(), [padded[p:p + 6].sum() for p in (0, 5, 10)]) and \
        _ops().same_padding(13, 6, 5) == (1, 2)


def _figure_13_7_windows():
    ops = _ops()
    starts = [i * 5 for i in range(ops.output_size(13, 6, 5, "VALID"))]
    covered = {c for start in starts for c in range(start, start + 6)}
    return (starts == [0, 5] and max(covered) == 10 and sorted(set(range(13)) - covered) == [11, 12]
            and ops.same_padding(13, 6, 5) == (1, 2) and ops.output_size(13, 6, 5, "SAME") == 3)


def _stride_2_maps():
    ops = _ops()
    return (ops.output_size(427, 7, 2, "SAME"), ops.output_size(640, 7, 2, "SAME")) == (214, 320) \
        and math.ceil(427 / 2) == 214


CLAIMS = [
    name("02 · Convolutional layers", "the notebook's number in the course (its file is 02_….ipynb)"),
    name("01 · The visual cortex", "the previous notebook's number in the course"),
    name("03 · Filters and feature maps", "the next notebook's number in the course"),
    computed(r"\sum_{u=0}^{f_h-1} \sum_{v=0}^{f_w-1} \sum_{k'=0}^{f_{n'}-1}", _equation_holds),
    computed(r"reads rows $i \times s_h$ to $i \times s_h + f_h - 1$ and columns $j \times s_w$ to "
             r"$j \times s_w + f_w - 1$", _rows_and_columns_read),
    computed("A 4×4 input with one channel, and a 2×2 filter that adds up its window with a stride of 2 and no "
             "padding: every output is the sum of one 2×2 block", _by_hand),
    computed("The top-left output is 0 + 1 + 4 + 5 = 10", _by_hand),
    computed("On random inputs with 3 channels and 4 feature maps, both agree", _fast_agrees),
    computed("We build one with 4 filters of 5×5, stride 2 and SAME padding",
             lambda: code_has(NOTEBOOK, 'keras.layers.Conv2D(filters=4, kernel_size=5, strides=2, padding="same")')),
    computed("(and exactly $n$ with stride 1). When the number of zeros is odd, the extra one goes on the right",
             lambda: _same_gives_ceil() and _extra_zero_after()),
    computed(r"$\lfloor (n - f) / s \rfloor + 1$", _valid_gives_floor),
    computed("⌊(n − f) / s⌋ + 1", _valid_gives_floor),
    cited("Figure 13-7 uses 13 inputs, a filter of width 6 and a stride of 5",
          f"{BOOK}, Figure 13-7 (padding options: 13 inputs, filter width 6, stride 5)"),
    computed("the windows start at columns 0 and 5 and cover columns 0 to 10; columns 11 and 12 are never read",
             _figure_13_7_windows),
    cited("Figure 13-3 is a 5×7 input with a 3×3 filter, stride 1 and zero padding; Figure 13-4 uses a stride of 2",
          f"{BOOK}, Figures 13-3 and 13-4 ('Convolutional Layer', 'Stride': a 5 × 7 input layer plus zero padding, "
          "3 × 3 receptive fields, a stride of 2 in Figure 13-4)"),
    cited("builds two 7×7 filters (a vertical line and a horizontal line), and applies them with stride 2 and SAME "
          "padding", f"{BOOK}, 'TensorFlow Implementation' (7 × 7 filters, strides=[1,2,2,1], padding='SAME')"),
    computed("With stride 2 and SAME padding, each 427×640 image gives 214×320 feature maps (⌈427 / 2⌉ = 214)",
             _stride_2_maps),
    printed("this layer has 32 filters of 3×3 with stride 1 and SAME padding",
            "(2, 427, 640, 32) with 896 parameters: 3×3×3×32 weights + 32 biases"),
    computed("turns 427×640 images into 214×320 feature maps with stride 2", _stride_2_maps),
]
