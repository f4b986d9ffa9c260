"""cnnlab: the helper package of an interactive course on convolutional neural networks.

``import cnnlab`` is instant: it loads no TensorFlow, no matplotlib and no
widgets. Submodules load on first use, so ``cnnlab.datasets.load_mnist()``
works right after ``import cnnlab``.

Ground floor (numpy only): ``config``, ``course``, ``datasets``, ``images`` (``load_image``,
with Pillow), ``kernels``, ``ops``, ``memory``, ``plotting`` and ``charts`` (the figures),
``preprocessing``, ``widgets``.
Upper floor (imports TensorFlow when first used): ``deepdream``, ``device``, ``flowers`` (the
flowers' ``tf.data`` pipelines), ``models``, ``pretrained`` (ImageNet classifiers and feature
extractors), ``training``, ``transfer``; among the widgets, the training monitor.
``evaluation`` is numpy and matplotlib only.

``import cnnlab`` also arms a one-shot import hook (``cnnlab._quiet``) that keeps
TensorFlow's C++ start-up messages (CUDA not found, CPU features, absl's
pre-init warning) out of the notebooks while letting every other message,
real errors above all, through. ``CNNLAB_TF_LOGS=1`` shows them all.
"""

from __future__ import annotations

import importlib

from . import _quiet

__version__ = "0.1.0"

_quiet.install()

_SUBMODULES = ("charts", "checks", "config", "course", "datasets", "deepdream", "device", "digits", "evaluation", "exercises",
               "flowers", "images", "kernels", "memory", "models", "ops", "plotting", "preprocessing", "pretrained", "training",
               "transfer", "widgets")

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
