"""The reliability tests' shared isolation: Keras' global settings put back after every test.

The ``reliability`` marker and the summary line are the plugin ``tests/reliability/summary.py``
(loaded by tests/conftest.py, so that the controller of parallel workers, which never loads this
file, has it too).
"""

from __future__ import annotations

import sys
import warnings

import pytest


# ----------------------------------------------------------------------------- isolation


def _keras_state():
    """Keras' process-wide settings a test may change (only if Keras is already imported)."""
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    from keras.src.backend.common import global_state

    return {
        "dtype policy": keras.mixed_precision.global_policy().name,
        "floatx": keras.config.floatx(),
        "image data format": keras.config.image_data_format(),
        "safe mode": global_state.get_global_attribute("safe_mode_saving"),
    }


def _restore_keras_state(state: dict) -> None:
    import keras
    from keras.src.backend.common import global_state

    keras.mixed_precision.set_global_policy(state["dtype policy"])
    keras.config.set_floatx(state["floatx"])
    keras.config.set_image_data_format(state["image data format"])
    global_state.set_global_attribute("safe_mode_saving", state["safe mode"])


@pytest.fixture(autouse=True)
def _keras_settings_restored(request):
    """A reliability test that leaves Keras' global settings changed (a bad argument that still switched on
    mixed precision, say) would change every later test's models: put them back, and warn naming the test."""
    before = _keras_state()
    yield
    after = _keras_state()
    if before is None:  # Keras was imported during the test: compare with its defaults
        before = after and {"dtype policy": "float32", "floatx": "float32", "image data format": "channels_last",
                            "safe mode": after["safe mode"] if after["safe mode"] in (None, True) else None}
    if after is not None and after != before:
        changed = ", ".join(f"{key} {before[key]!r} -> {after[key]!r}" for key in after if after[key] != before[key])
        _restore_keras_state(before)
        warnings.warn(f"{request.node.nodeid} changed Keras' global settings ({changed}); restored after it",
                      pytest.PytestWarning, stacklevel=1)
