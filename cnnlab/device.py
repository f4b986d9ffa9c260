"""What hardware TensorFlow sees, set up the way the course wants it.

Upper floor: this module imports TensorFlow when a function is first called
(several seconds the first time), never at ``import cnnlab``.

* :func:`describe` prints the environment report that every notebook shows
  at its top: TensorFlow and Keras versions, the GPUs (with memory growth
  turned on, so one notebook does not grab all GPU memory), and whether mixed
  precision would help.
* :func:`enable_mixed_precision` turns on ``mixed_float16`` only where it is
  useful (a GPU of compute capability 7.0 or more).
* :func:`distribution_strategy` picks ``MirroredStrategy`` for several GPUs,
  and the default strategy otherwise.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field

from . import _quiet

__all__ = [
    "describe",
    "DeviceReport",
    "GpuInfo",
    "gpus",
    "enable_mixed_precision",
    "mixed_precision_available",
    "distribution_strategy",
    "split_cpu",
]

_MIXED_PRECISION_MIN_CC = (7, 0)  # Volta and newer have float16 tensor cores


@dataclass(frozen=True)
class GpuInfo:
    """One physical GPU as TensorFlow reports it."""

    name: str
    model: str
    compute_capability: tuple[int, int] | None
    memory_growth: bool

    @property
    def mixed_precision(self) -> bool:
        cc = self.compute_capability
        return cc is not None and tuple(cc) >= _MIXED_PRECISION_MIN_CC


@dataclass(frozen=True)
class DeviceReport:
    """What :func:`describe` found."""

    tensorflow: str
    keras: str
    python: str
    cpu_count: int
    gpus: tuple[GpuInfo, ...] = field(default_factory=tuple)
    built_with_cuda: bool = False

    @property
    def device(self) -> str:
        """``"GPU"`` if at least one GPU is usable, else ``"CPU"``."""
        return "GPU" if self.gpus else "CPU"

    @property
    def mixed_precision(self) -> bool:
        """True when every GPU can run ``mixed_float16`` fast."""
        return bool(self.gpus) and all(g.mixed_precision for g in self.gpus)

    def __str__(self) -> str:
        lines = [
            f"TensorFlow {self.tensorflow}, Keras {self.keras}, Python {self.python}",
            f"CPU cores: {self.cpu_count}",
        ]
        if self.gpus:
            for gpu in self.gpus:
                cc = ".".join(map(str, gpu.compute_capability)) if gpu.compute_capability else "?"
                growth = "on" if gpu.memory_growth else "off"
                lines.append(f"GPU {gpu.name}: {gpu.model}, compute capability {cc}, memory growth {growth}")
            if self.mixed_precision:
                lines.append("Mixed precision: available (cnnlab.device.enable_mixed_precision() turns it on)")
            else:
                lines.append("Mixed precision: not useful on these GPUs (compute capability below 7.0)")
        else:
            hint = "" if self.built_with_cuda else " (this TensorFlow build has no CUDA support)"
            lines.append(f"GPUs: none found, computing on the CPU{hint}")
            lines.append("Mixed precision: not useful on a CPU")
        return "\n".join(lines)


def _tf():
    # TensorFlow's C++ start-up chatter (CUDA not found, oneDNN notes) would land in
    # every notebook's first cell; keep warnings and errors only, unless the user chose
    # (CNNLAB_TF_LOGS=1 asks for every message). The import itself is quieted by the hook
    # that `import cnnlab` installs (cnnlab._quiet).
    if not _quiet.logs_wanted():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def _physical_devices(tf, kind: str) -> list:
    """``tf.config.list_physical_devices(kind)`` without CUDA's cuInit noise (TF may have come before cnnlab)."""
    with _quiet.quiet_stderr():
        return tf.config.list_physical_devices(kind)


def gpus(memory_growth: bool = True) -> tuple[GpuInfo, ...]:
    """List the physical GPUs, turning on memory growth on each.

    Parameters
    ----------
    memory_growth : bool
        Ask TensorFlow to allocate GPU memory as needed instead of all at once.
        This must happen before the GPU is first used; if it is too late, the
        GPU is still listed, with ``memory_growth`` showing the actual setting.

    Examples
    --------
    >>> all(g.name.startswith("/physical_device:GPU:") for g in gpus())
    True
    """
    from ._validation import check_bool

    memory_growth = check_bool("memory_growth", memory_growth)
    tf = _tf()
    found = []
    for device in _physical_devices(tf, "GPU"):
        if memory_growth:
            try:
                tf.config.experimental.set_memory_growth(device, True)
            except RuntimeError:  # the GPU is already initialised
                pass
        try:
            growth = bool(tf.config.experimental.get_memory_growth(device))
        except (RuntimeError, ValueError):
            growth = False
        details = tf.config.experimental.get_device_details(device) or {}
        cc = details.get("compute_capability")
        found.append(
            GpuInfo(
                name=device.name,
                model=str(details.get("device_name", "unknown GPU")),
                compute_capability=tuple(cc) if cc else None,
                memory_growth=growth,
            )
        )
    return tuple(found)


def describe(print_report: bool = True) -> DeviceReport:
    """Report the TensorFlow set-up; every notebook calls this once at its top.

    Parameters
    ----------
    print_report : bool
        Print the report (the default) as well as returning it.

    Returns
    -------
    DeviceReport
        Versions, GPUs and whether mixed precision is worth turning on.

    Examples
    --------
    >>> report = describe(print_report=False)
    >>> report.device in ("CPU", "GPU")
    True
    """
    from ._validation import check_bool

    print_report = check_bool("print_report", print_report)
    tf = _tf()
    import keras

    report = DeviceReport(
        tensorflow=tf.__version__,
        keras=keras.__version__,
        python=platform.python_version(),
        cpu_count=os.cpu_count() or 1,
        gpus=gpus(memory_growth=True),
        built_with_cuda=bool(tf.test.is_built_with_cuda()),
    )
    if print_report:
        print(report)
    return report


def mixed_precision_available() -> bool:
    """True when there is at least one GPU and all of them run float16 fast.

    Examples
    --------
    >>> mixed_precision_available() in (True, False)
    True
    """
    found = gpus()
    return bool(found) and all(g.mixed_precision for g in found)


def enable_mixed_precision(force: bool = False) -> bool:
    """Turn on Keras' ``mixed_float16`` policy where it helps.

    Parameters
    ----------
    force : bool
        Turn it on even without a suitable GPU (on a CPU it only slows things
        down; useful to test code paths).

    Returns
    -------
    bool
        Whether the policy is now ``mixed_float16``.

    Notes
    -----
    Under mixed precision, keep the last layer's output in float32
    (``Activation("softmax", dtype="float32")``) for a numerically stable loss.

    Examples
    --------
    >>> import keras
    >>> enable_mixed_precision()  # doctest: +SKIP
    False
    >>> keras.mixed_precision.global_policy().name  # the default
    'float32'
    """
    from ._validation import check_bool

    force = check_bool("force", force)  # before any change to the global policy
    import keras

    if force or mixed_precision_available():
        keras.mixed_precision.set_global_policy("mixed_float16")
        return True
    return False


def distribution_strategy():
    """Return the ``tf.distribute`` strategy that uses every local accelerator.

    ``MirroredStrategy`` over all GPUs when there are two or more (each
    replica gets a slice of every batch and gradients are summed across them);
    otherwise the default strategy, which runs on the one GPU or the CPU. For
    several machines use ``tf.distribute.MultiWorkerMirroredStrategy`` with a
    ``TF_CONFIG`` on each worker.

    Examples
    --------
    >>> strategy = distribution_strategy()
    >>> strategy.num_replicas_in_sync >= 1
    True
    """
    tf = _tf()
    found = gpus()
    if len(found) >= 2:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def split_cpu(n: int = 2) -> list:
    """Split the CPU into ``n`` logical devices, to rehearse multi-GPU code on a laptop.

    Must be called before TensorFlow first uses the CPU (early in a fresh
    process). ``tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])`` then
    behaves as it would on two GPUs.

    Examples
    --------
    >>> split_cpu(2)  # doctest: +SKIP
    [LogicalDevice(name='/device:CPU:0', device_type='CPU'), LogicalDevice(name='/device:CPU:1', device_type='CPU')]
    >>> split_cpu(0)
    Traceback (most recent call last):
    ...
    ValueError: n must be a positive integer, received n=0.
    """
    from ._validation import check_positive_int

    n = check_positive_int("n", n)
    tf = _tf()
    cpu = _physical_devices(tf, "CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    return tf.config.list_logical_devices("CPU")
