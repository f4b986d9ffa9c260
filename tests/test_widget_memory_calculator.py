"""MemoryCalculator driven through its controls, as a learner would, without a browser."""

import re

import pytest

from cnnlab.memory import conv2d_stats
from cnnlab.widgets import MemoryCalculator


def text(calc) -> str:
    """The readout as a learner reads it: tags removed."""
    return re.sub(r"<[^>]+>", "", calc.readout.value)


@pytest.fixture
def calc():
    return MemoryCalculator()


def test_starts_on_the_chapters_example(calc):
    assert (calc.height.value, calc.width.value, calc.channels.value) == (150, 100, 3)
    assert (calc.filters.value, calc.kernel_size.value, calc.stride.value) == (200, 5, 1)
    assert (calc.padding.value, calc.batch_size.value, calc.dtype.value) == ("SAME", 100, "float32")
    assert calc.stats == conv2d_stats((150, 100, 3), 200, 5, 1, "SAME")
    shown = text(calc)
    assert "15,200 = (5×5×3 + 1) × 200" in shown
    assert "225,000,000 per instance" in shown
    assert "Feature maps, per instance11.4 MiB (12,000,000 bytes)" in shown
    assert "Feature maps, batch of 1001.1 GiB (1,200,000,000 bytes)" in shown
    # One layer: input + output + parameters, for inference and for training alike.
    assert "RAM for inference, batch of 1001.1 GiB (1,218,060,800 bytes)" in shown
    assert "RAM for training, batch of 1001.1 GiB (1,218,060,800 bytes)" in shown
    assert calc.last_error is None and calc.error_box.layout.display == "none"


def test_every_control_updates_the_readout_in_place(calc):
    readout = calc.readout
    calc.filters.value = 100
    assert calc.stats.params == 7_600 and "7,600 = (5×5×3 + 1) × 100" in text(calc)
    calc.kernel_size.value = 3
    assert calc.stats.params == (3 * 3 * 3 + 1) * 100
    calc.channels.value = 1
    assert calc.stats.params == (3 * 3 * 1 + 1) * 100
    calc.stride.value = 2
    assert calc.stats.output_shape == (75, 50, 100) and "75×50×100 = 375,000 values" in text(calc)
    calc.height.value, calc.width.value = 200, 300
    assert calc.stats.output_shape == (100, 150, 100)
    calc.channels.value = 3
    assert calc.stats.params == 2_800                       # exercise 2's first layer
    calc.batch_size.value = 50
    assert calc.network.ram_training(50) == 50 * 4 * (200 * 300 * 3 + 100 * 150 * 100) + 4 * 2_800
    assert "RAM for training, batch of 50" in text(calc) and "(336,011,200 bytes)" in text(calc)
    assert calc.readout is readout and calc.last_error is None


def test_float16_halves_the_bytes(calc):
    calc.dtype.value = "float16"
    shown = text(calc)
    assert "Feature maps, per instance5.7 MiB (6,000,000 bytes)" in shown
    assert "(600,000,000 bytes)" in shown and "float16: 2 bytes per value" in shown
    assert calc.stats.params == 15_200                     # the count does not depend on the type


def test_valid_padding_shrinks_the_output(calc):
    calc.padding.value = "VALID"
    assert calc.stats.output_shape == (146, 96, 200)
    assert calc.stats.multiplications == 146 * 96 * 200 * 75
    assert "146×96×200" in text(calc)


def test_an_impossible_layer_shows_an_error_and_the_widget_recovers(calc):
    calc.padding.value = "VALID"
    good_stats, good_readout = calc.stats, calc.readout.value
    calc.height.value = 3                                  # a 5×5 kernel does not fit in 3 rows
    assert isinstance(calc.last_error, ValueError)
    assert "kernel_size=(5, 5) does not fit in the 3×100 input" in calc.error_box.value
    assert calc.error_box.layout.display is None           # visible
    assert calc.stats is good_stats and calc.readout.value == good_readout   # the last good readout stays
    calc.kernel_size.value = 3
    assert calc.last_error is None and calc.error_box.layout.display == "none"
    assert calc.stats.output_shape == (1, 98, 200)
    calc.kernel_size.value = 5                             # breaks again, then SAME fixes it
    assert calc.last_error is not None
    calc.padding.value = "SAME"
    assert calc.last_error is None and calc.stats.output_shape == (3, 100, 200)


def test_starting_values_can_be_given():
    calc = MemoryCalculator(height=28, width=28, channels=1, filters=6, kernel_size=5, padding="valid",
                            batch_size=32, dtype="float16")
    assert calc.stats.output_shape == (24, 24, 6) and calc.stats.params == 156
    assert "batch of 32" in text(calc)


def test_displays_as_a_widget_with_a_short_text_form(calc):
    bundle = calc._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<MemoryCalculator widget>"
