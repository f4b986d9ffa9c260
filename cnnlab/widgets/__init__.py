"""Interactive explorers and viewers, one file each.

Each widget keeps compute apart from display: a control change calls the
widget's ``_update()``, which calls a pure function of the package, turns the
array into image bytes with :func:`cnnlab.plotting.encode_image` and writes
them into the existing ``ipywidgets.Image``. Nothing is rebuilt per change.
Errors raised while updating are shown inside the widget, never lost.

Every widget shares one look (:mod:`cnnlab.widgets._base`: one stylesheet in
JupyterLab's theme colours, one label width, nothing wider than the notebook
column) and, displayed, carries a static picture of its state (an ``image/png``
drawn by :mod:`cnnlab.widgets._picture`) for GitHub and nbviewer, which cannot
run widgets.

Widgets load lazily, so ``import cnnlab.widgets`` does not import ipywidgets.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_WIDGETS = {
    "DatasetBrowser": "cnnlab.widgets.dataset_browser",
    "KernelExplorer": "cnnlab.widgets.kernel_explorer",
    "PoolingExplorer": "cnnlab.widgets.pooling_explorer",
    "MemoryCalculator": "cnnlab.widgets.memory_calculator",
    "ConvGeometryExplorer": "cnnlab.widgets.conv_geometry",
    "ReceptiveFieldExplorer": "cnnlab.widgets.receptive_field",
    "FeatureMapViewer": "cnnlab.widgets.feature_maps",
    "DigitCanvas": "cnnlab.widgets.digit_canvas",
    "PhotoClassifier": "cnnlab.widgets.photo_classifier",
    "DeepDreamExplorer": "cnnlab.widgets.deepdream_explorer",
    "TrainingMonitor": "cnnlab.widgets.training_monitor",
    "NumericAnswer": "cnnlab.widgets.questions",
    "MultipleChoice": "cnnlab.widgets.questions",
    "Option": "cnnlab.widgets.questions",
    "Exercise": "cnnlab.widgets.questions",
    "parse_number": "cnnlab.widgets.questions",
    "FreeText": "cnnlab.widgets.free_text",
    "KeyIdea": "cnnlab.widgets.free_text",
    "show_filters": "cnnlab.widgets.feature_maps",
}

__all__ = sorted(_WIDGETS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _WIDGETS)
