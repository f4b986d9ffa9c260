"""A drawn digit becomes an MNIST-like input: 20×20 box, centre of mass at the centre of 28×28."""

import numpy as np
import pytest

from cnnlab import datasets
from cnnlab.digits import center_of_mass, to_mnist


def box_of(digit, threshold=0):
    rows = np.flatnonzero(digit.max(axis=1) > threshold)
    cols = np.flatnonzero(digit.max(axis=0) > threshold)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize("size, where", [((300, 300), (10, 20)), ((120, 400), (60, 300)), ((64, 64), (0, 0))])
def test_a_stroke_anywhere_is_scaled_into_20_pixels_and_centred_by_mass(size, where):
    canvas = np.zeros(size, np.uint8)
    r, c = where
    canvas[r : r + 40, c : c + 12] = 255          # a short thick "1"
    canvas[r : r + 6, c : c + 24] = 255           # with a flag at the top
    digit = to_mnist(canvas)
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert max(box_of(digit, 10)) in (19, 20, 21)
    row, col = center_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5    # where MNIST puts it


def test_real_mnist_digits_keep_their_size_and_place():
    """MNIST digits already went through these steps: redoing them keeps their box and centre of mass."""
    (x, _), _ = datasets.load_mnist()
    for digit in x[:50]:
        again = to_mnist(digit)
        assert max(box_of(again, 30)) <= 21
        assert np.allclose(center_of_mass(again), (14, 14), atol=0.5)
        assert np.allclose(center_of_mass(again), center_of_mass(digit), atol=0.8)


def test_dark_ink_on_paper_and_rgb_input():
    paper = np.ones((100, 100, 3))
    paper[30:70, 45:55] = 0.0
    digit = to_mnist(paper, ink_is_dark=True)
    assert digit.max() > 200 and digit[0, 0] == 0


def test_blank_and_bad_drawings_are_refused():
    with pytest.raises(ValueError, match="drawing is blank"):
        to_mnist(np.zeros((50, 50)))
    with pytest.raises(ValueError, match=r"drawing must be a 2-D greyscale image .* received shape \(5,\)"):
        to_mnist(np.zeros(5))
    with pytest.raises(ValueError, match="image is blank"):
        center_of_mass(np.zeros((3, 3)))
