"""TensorFlow's start-up noise stays out of the notebooks (cnnlab._quiet); real errors stay in."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from cnnlab import _quiet
from cnnlab._quiet import filter_noise, is_noise, quiet_stderr

# The lines TensorFlow 2.21 prints on a machine without a GPU, verbatim (plus one older-format sibling each).
NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795655874.561202    7167 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.",
    "I0000 00:00:1795661891.810705    5691 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available "
    "CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.",
    "E0000 00:00:1795655879.415124    7167 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to "
    "cuInit: UNKNOWN ERROR (303)",
    # siblings printed by other versions and by the CUDA build
    "E0000 00:00:1721218829.123456    1234 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register factory "
    "for plugin cuDNN when one has already been registered",
    "E0000 00:00:1721218829.123456    1234 cuda_fft.cc:607] Unable to register cuFFT factory: Attempting to register factory "
    "for plugin cuFFT when one has already been registered",
    "E0000 00:00:1721218829.123456    1234 cuda_blas.cc:1515] Unable to register cuBLAS factory: Attempting to register "
    "factory for plugin cuBLAS when one has already been registered",
    "2024-03-09 19:38:21.125678: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
    "2024-03-09 19:38:19.681812: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different computation orders. To turn them "
    "off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
    "W0000 00:00:1745000000.000000    4242 computation_placer.cc:177] computation placer already registered. Please check "
    "linkage and avoid linking the same target more than once.",
    "2024-03-09 19:38:19.734263: I external/local_tsl/tsl/cuda/cudart_stub.cc:31] Could not find cuda drivers on your "
    "machine, GPU will not be used.",
    "2024-03-09 19:38:20.001262: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow binary is optimized "
    "to use available CPU instructions in performance-critical operations.",
    "To enable them in other operations, rebuild TensorFlow with the appropriate compiler flags.",
    "2024-03-09 19:38:22.4: E external/local_xla/xla/stream_executor/cuda/cuda_driver.cc:282] failed call to cuInit: "
    "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected",
]

REAL = [
    "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory",
    "W0000 00:00:1795655879.415124    7167 op_level_cost_estimator.cc:699] Error in PredictCost() for the op: Conv2D",
    "E0000 00:00:1795655879.415124    7167 cuda_driver.cc:1000] failed to allocate 2.00G from device: CUDA_ERROR_OUT_OF_MEMORY",
    'Traceback (most recent call last):',
    '  File "<stdin>", line 1, in <module>',
    "ValueError: Could not find cuda drivers on your machine, GPU will not be used.",  # not a C++ log line
    "WARNING: something else entirely",
    "To enable the following instructions, read the manual.",
    "an arbitrary message",
    "",
]

PYTHON = sys.executable  # the venv's interpreter (the tests run with it)
ROOT = Path(_quiet.__file__).resolve().parents[1]  # the folder holding the cnnlab package


def _child_env(**extra) -> dict:
    """The real environment for a child interpreter, as a user would have it (conftest.py sets TF_CPP_MIN_LOG_LEVEL)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", _quiet.ESCAPE_HATCH)}
    env.update(extra)
    return env


def _run(code: str, *, cwd=None, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=_child_env(**extra),
                          cwd=cwd, timeout=600)


def _noise_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if is_noise(line)]


# ----------------------------------------------------------------------------- (a) the filter


@pytest.mark.parametrize("line", NOISE)
def test_known_start_up_lines_are_noise(line):
    assert is_noise(line) and is_noise(line + "\n") and is_noise(line + "\r\n")


@pytest.mark.parametrize("line", REAL)
def test_every_other_line_survives(line):
    assert not is_noise(line)


def test_filter_keeps_other_lines_unchanged_and_in_order():
    lines = [NOISE[0] + "\n", REAL[0] + "\n", NOISE[4] + "\n", REAL[3] + "\n", REAL[4] + "\n", NOISE[3] + "\n", "no newline"]
    assert filter_noise(lines) == [REAL[0] + "\n", REAL[3] + "\n", REAL[4] + "\n", "no newline"]
    assert filter_noise([]) == [] and filter_noise(iter(NOISE)) == []


def test_the_noise_must_be_a_whole_log_line_not_a_quote_of_one():
    quoted = f"print({NOISE[1]!r})"
    assert not is_noise(quoted) and not is_noise("  " + NOISE[0])


# ----------------------------------------------------------------------------- the context manager, in-process


def _fd2_identity():
    st = os.fstat(2)
    return st.st_dev, st.st_ino


def test_quiet_stderr_drops_noise_and_passes_the_rest_to_sys_stderr(capfd):
    before = _fd2_identity()
    with quiet_stderr():
        os.write(2, (NOISE[0] + "\n" + REAL[0] + "\n" + NOISE[4] + "\n").encode())
        os.write(2, b"partial line without newline")
    assert _fd2_identity() == before
    err = capfd.readouterr().err
    assert err == REAL[0] + "\npartial line without newline"


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_quiet_stderr_restores_fd_2_and_reports_on_exceptions(capfd, exception):
    before = _fd2_identity()
    with pytest.raises(exception):
        with quiet_stderr():
            os.write(2, (NOISE[1] + "\n" + REAL[0] + "\n").encode())
            raise exception("stop")
    assert _fd2_identity() == before
    os.write(2, b"after\n")
    assert capfd.readouterr().err == REAL[0] + "\nafter\n"


def test_escape_hatch_captures_nothing(capfd, monkeypatch):
    monkeypatch.setenv("CNNLAB_TF_LOGS", "1")
    with quiet_stderr():
        os.write(2, (NOISE[0] + "\n").encode())
    assert capfd.readouterr().err == NOISE[0] + "\n"


# ----------------------------------------------------------------------------- the import hook, with a fake TensorFlow

FAKE_TF = '''
import os
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
os.write(2, b"E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory\\n")
calls = []

class config:
    @staticmethod
    def list_physical_devices(kind=None):
        calls.append(kind)
        os.write(2, b"E0000 00:00:1795655879.415124    7167 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
                    b"CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\\n")
        return []
'''


@pytest.fixture
def fake_tensorflow(tmp_path):
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(FAKE_TF)
    return tmp_path


def test_the_hook_quiets_the_first_import_and_restores_the_real_loader(fake_tensorflow):
    result = _run("""
        import sys
        sys.path.insert(0, ".")
        import cnnlab
        from cnnlab import _quiet
        assert _quiet.installed()
        import tensorflow as tf
        print(tf.calls, type(tf.__loader__).__name__, type(tf.__spec__.loader).__name__, _quiet.installed())
    """, cwd=fake_tensorflow)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['GPU']", "SourceFileLoader", "SourceFileLoader", "False"]
    assert result.stderr == "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory\n"


def test_the_hook_does_nothing_if_tensorflow_came_first(fake_tensorflow):
    result = _run("""
        import sys
        sys.path.insert(0, ".")
        import tensorflow
        import cnnlab
        from cnnlab import _quiet
        print(_quiet.installed(), tensorflow.calls)
    """, cwd=fake_tensorflow)
    assert result.returncode == 0 and result.stdout.split() == ["False", "[]"]
    assert "WARNING: All log messages" in result.stderr


def test_the_escape_hatch_installs_no_hook(fake_tensorflow):
    result = _run("""
        import sys
        sys.path.insert(0, ".")
        import cnnlab
        from cnnlab import _quiet
        import tensorflow
        print(_quiet.installed(), tensorflow.calls)
    """, cwd=fake_tensorflow, CNNLAB_TF_LOGS="1")
    assert result.returncode == 0 and result.stdout.split() == ["False", "[]"]
    assert "WARNING: All log messages" in result.stderr and "Out of memory" in result.stderr


def test_a_missing_tensorflow_still_raises_module_not_found(tmp_path):
    result = _run(f"""
        import sys
        sys.path[:] = [{str(ROOT)!r}] + [p for p in sys.path if "site-packages" not in p]
        import cnnlab
        try:
            import tensorflow
        except ModuleNotFoundError as error:
            print("missing", error.name)
    """, cwd=tmp_path)
    assert result.stdout.split() == ["missing", "tensorflow"], result.stderr


# ----------------------------------------------------------------------------- (b)-(e) the real TensorFlow

REAL_IMPORT = "import cnnlab, keras, tensorflow as tf; tf.config.list_physical_devices(); print('ok')"


@pytest.mark.tensorflow
@pytest.mark.slow
def test_real_tensorflow_import_prints_no_start_up_noise():
    result = _run(REAL_IMPORT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ok"]
    assert _noise_in(result.stderr) == [], result.stderr
    assert "absl::InitializeLog" not in result.stderr and "cuInit" not in result.stderr


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_real_error_during_the_import_window_stays_visible():
    result = _run("""
        import os
        import cnnlab
        from cnnlab._quiet import quiet_stderr
        with quiet_stderr():
            import keras, tensorflow as tf
            tf.config.list_physical_devices("GPU")
            os.write(2, b"E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] real error\\n")
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ok"]
    assert "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] real error\n" in result.stderr
    assert _noise_in(result.stderr) == [], result.stderr


@pytest.mark.tensorflow
@pytest.mark.slow
def test_with_cnnlab_tf_logs_the_noise_is_shown():
    result = _run(REAL_IMPORT, CNNLAB_TF_LOGS="1")
    assert result.returncode == 0, result.stderr
    assert "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR" in result.stderr
    # the patterns recognise what this TensorFlow really prints (else the quiet run above would prove nothing)
    assert len(_noise_in(result.stderr)) >= 2, result.stderr


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_jupyter_kernel_shows_no_start_up_noise(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # the kernel inherits the environment
    monkeypatch.delenv("CNNLAB_TF_LOGS", raising=False)
    nb = nbformat.v4.new_notebook()
    real = "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] real error"
    nb.cells = [nbformat.v4.new_code_cell("import cnnlab"),
                nbformat.v4.new_code_cell("import keras\nprint('imported', keras.backend.backend())"),
                # a real error written to fd 2 inside the quiet window still reaches the cell
                nbformat.v4.new_code_cell("import os\nfrom cnnlab._quiet import quiet_stderr\nwith quiet_stderr():\n"
                                          f"    _ = os.write(2, {(NOISE[0] + chr(10) + real + chr(10)).encode()!r})")]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    def stream(cell, name):
        return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)

    imports = "".join(stream(cell, "stderr") for cell in nb.cells[:2])
    assert _noise_in(imports) == [], imports
    assert stream(nb.cells[1], "stdout") == "imported tensorflow\n"
    assert stream(nb.cells[2], "stderr") == real + "\n"
