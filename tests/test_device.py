"""The device report, memory growth, mixed precision and tf.distribute set-up (imports TensorFlow)."""

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from cnnlab import device
from cnnlab.device import DeviceReport, GpuInfo

pytestmark = pytest.mark.tensorflow


def test_describe_reports_versions_and_the_cpu(capsys):
    import keras
    import tensorflow as tf

    report = device.describe()
    printed = capsys.readouterr().out
    assert report.tensorflow == tf.__version__ and report.keras == keras.__version__
    assert f"TensorFlow {tf.__version__}, Keras {keras.__version__}" in printed
    assert report.device == ("GPU" if tf.config.list_physical_devices("GPU") else "CPU")
    if report.device == "CPU":
        assert "GPUs: none found, computing on the CPU" in printed
        assert "Mixed precision: not useful on a CPU" in printed
        assert report.mixed_precision is False


def test_describe_can_stay_quiet(capsys):
    device.describe(print_report=False)
    assert capsys.readouterr().out == ""


def test_every_gpu_gets_memory_growth(monkeypatch):
    """Two fake GPUs stand in for real ones: each must have memory growth turned on."""
    tf = device._tf()
    fakes = [SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU") for i in range(2)]
    growth = {}
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: fakes if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", lambda d, on: growth.__setitem__(d.name, on))
    monkeypatch.setattr(tf.config.experimental, "get_memory_growth", lambda d: growth.get(d.name, False))
    details = {fakes[0].name: {"device_name": "NVIDIA A100", "compute_capability": (8, 0)},
               fakes[1].name: {"device_name": "Tesla P100", "compute_capability": (6, 0)}}
    monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda d: details[d.name])
    found = device.gpus()
    assert growth == {fakes[0].name: True, fakes[1].name: True}
    assert [g.memory_growth for g in found] == [True, True]
    assert [g.mixed_precision for g in found] == [True, False]
    assert device.mixed_precision_available() is False  # the P100 would slow down


def test_gpu_report_text():
    a100 = GpuInfo("/physical_device:GPU:0", "NVIDIA A100", (8, 0), True)
    report = DeviceReport("2.21.0", "3.15.1", "3.11.7", 8, (a100,), built_with_cuda=True)
    text = str(report)
    assert report.device == "GPU" and report.mixed_precision
    assert "GPU /physical_device:GPU:0: NVIDIA A100, compute capability 8.0, memory growth on" in text
    assert "Mixed precision: available" in text
    old = DeviceReport("2.21.0", "3.15.1", "3.11.7", 8, (GpuInfo("g", "K80", (3, 7), True),))
    assert "not useful on these GPUs (compute capability below 7.0)" in str(old)


def test_mixed_precision_stays_off_on_a_cpu_unless_forced():
    import keras

    if device.mixed_precision_available():  # pragma: no cover - GPU machines
        pytest.fail("this test is written for a CPU-only machine")
    assert device.enable_mixed_precision() is False
    assert keras.mixed_precision.global_policy().name == "float32"
    try:
        assert device.enable_mixed_precision(force=True) is True
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_two_logical_cpus_stand_in_for_two_gpus():
    """In a fresh process (logical devices must be set before TensorFlow starts)."""
    code = textwrap.dedent("""
        from cnnlab import device
        import tensorflow as tf
        cpus = device.split_cpu(2)
        strategy = tf.distribute.MirroredStrategy([d.name for d in cpus])
        per_replica = strategy.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
        ids = sorted(int(t) for t in strategy.experimental_local_results(per_replica))
        print(len(cpus), strategy.num_replicas_in_sync, ids, device.distribution_strategy().num_replicas_in_sync)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "2 2 [0, 1] 1"


def test_split_cpu_validates_its_argument():
    with pytest.raises(ValueError, match="n must be a positive integer, received n=0"):
        device.split_cpu(0)
