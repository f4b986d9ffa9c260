"""How much a convolutional layer costs: parameters, multiplications and RAM, live as you change it."""

from __future__ import annotations

import html

import ipywidgets as w

from .._validation import check_one_of, check_positive_int
from ..memory import LayerStats, Network, bytes_per_value, conv2d_stats, format_bytes
from ._base import WidgetBase, column, fit, label_style, row

__all__ = ["MemoryCalculator"]

_BIG = 1_000_000


class MemoryCalculator(WidgetBase):
    """One convolutional layer's parameters, multiplications and RAM, recomputed on every change.

    Starts on the chapter's example: a 150×100 RGB input, 200 feature maps of
    5×5 kernels, stride 1, SAME padding, a batch of 100 in float32, which gives
    15,200 parameters, 225 million multiplications per instance and 11.4 MiB
    (12 MB) of feature maps per instance, over 1 GB per batch.

    The RAM estimates are those of :class:`cnnlab.memory.Network` for a
    network of this one layer: inference holds the input and the output of
    the batch plus the parameters; training keeps every layer's output for
    backpropagation, which for a single layer is the same thing (the gap opens
    with depth, see ``cnnlab.memory.stack``).

    Settings that cannot work (a VALID kernel larger than the input) show an
    error inside the widget; the last good readout stays until they are fixed.

    Attributes
    ----------
    stats : cnnlab.memory.LayerStats
        The layer as last computed.
    network : cnnlab.memory.Network
        That layer after its input, for the RAM estimates.

    Examples
    --------
    >>> calc = MemoryCalculator()
    >>> calc.stats.params, calc.stats.multiplications
    (15200, 225000000)
    >>> calc.filters.value = 100
    >>> calc.stats.params
    7600
    """

    def __init__(self, height: int = 150, width: int = 100, channels: int = 3, filters: int = 200,
                 kernel_size: int = 5, stride: int = 1, padding: str = "SAME", batch_size: int = 100,
                 dtype: str = "float32") -> None:
        super().__init__()
        for name, value, maximum in (("height", height, _BIG), ("width", width, _BIG), ("channels", channels, _BIG),
                                     ("filters", filters, _BIG), ("kernel_size", kernel_size, 15),
                                     ("stride", stride, 8), ("batch_size", batch_size, 100 * _BIG)):
            if check_positive_int(name, value) > maximum:
                raise ValueError(f"{name} must be at most {maximum:,}, received {name}={value!r}.")
        padding = check_one_of("padding", padding, ("SAME", "VALID"), normalize=str.upper)
        dtype = check_one_of("dtype", dtype, ("float32", "float16"))
        def number(value, description, maximum=_BIG, width="250px"):
            return w.BoundedIntText(value=value, min=1, max=maximum, description=description, style=label_style(),
                                    layout=fit(width))

        self.height = number(height, "Input height")
        self.width = number(width, "Input width")
        self.channels = number(channels, "Channels")
        self.filters = number(filters, "Feature maps")
        self.kernel_size = w.IntSlider(value=kernel_size, min=1, max=15, description="Kernel size",
                                       style=label_style(), layout=fit("300px"))
        self.stride = w.IntSlider(value=stride, min=1, max=8, description="Stride", style=label_style(),
                                  layout=fit("300px"))
        self.padding = w.ToggleButtons(options=["SAME", "VALID"], value=padding, description="Padding",
                                       style=label_style(button_width="70px"))
        # As wide as the label and both "Values" buttons beside it (110 + 8 + 2 × 74 px), so they keep one line.
        self.batch_size = number(batch_size, "Batch size", 100 * _BIG, width="280px")
        self.dtype = w.ToggleButtons(options=["float32", "float16"], value=dtype, description="Values",
                                     style=label_style(button_width="70px"))
        self.readout = w.HTML(layout=fit("100%"))
        self.readout.add_class("cnnlab-readout")
        self.stats: LayerStats | None = None
        self.network: Network | None = None

        controls = (self.height, self.width, self.channels, self.filters, self.kernel_size, self.stride,
                    self.padding, self.batch_size, self.dtype)
        self._observe(*controls)
        self.root = column([
            w.HTML('<span class="cnnlab-title">Memory of a convolutional layer</span>'),
            row([
                column([self.height, self.width, self.channels, self.filters]),
                column([self.kernel_size, self.stride, self.padding]),
                column([self.batch_size, self.dtype]),
            ]),
            self.readout,
            self.error_box,
        ])
        self.refresh()

    def _update(self) -> None:
        input_shape = (self.height.value, self.width.value, self.channels.value)
        k, batch, dtype = self.kernel_size.value, self.batch_size.value, self.dtype.value
        stats = conv2d_stats(input_shape, self.filters.value, k, self.stride.value, self.padding.value)
        network = Network(input_shape, (stats,))
        height, width, filters = stats.output_shape
        channels = input_shape[2]

        def amount(n):
            return f"<b>{format_bytes(n)}</b> ({n:,} bytes)"

        rows = [
            ("Output", f"{height}×{width}×{filters} = {stats.output_values:,} values per instance"),
            ("Parameters", f"<b>{stats.params:,}</b> = ({k}×{k}×{channels} + 1) × {filters}"),
            ("Multiplications", f"<b>{stats.multiplications:,}</b> per instance "
                                f"= {stats.output_values:,} outputs × {k}×{k}×{channels}; "
                                f"{stats.multiplications * batch:,} per batch"),
            ("Feature maps, per instance", amount(stats.bytes_per_instance(dtype))),
            (f"Feature maps, batch of {batch:,}", amount(stats.bytes_per_batch(batch, dtype))),
            (f"RAM for inference, batch of {batch:,}", amount(network.ram_inference(batch, dtype))
             + " = input + output + parameters"),
            (f"RAM for training, batch of {batch:,}", amount(network.ram_training(batch, dtype))
             + " = input + output kept for backprop + parameters"),
        ]
        self.readout.value = (
            "<table class='cnnlab-table'>"
            + "".join(f"<tr><td>{html.escape(label)}</td><td>{value}</td></tr>" for label, value in rows)
            + f"</table><div class='cnnlab-note'>{dtype}: {bytes_per_value(dtype)}"
            " bytes per value; MiB and GiB are powers of 1,024 (the book's 11.4 MB is 11.4 MiB).</div>"
        )
        self.stats, self.network = stats, network
