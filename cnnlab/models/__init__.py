"""Keras builders for the chapter's architectures (upper floor: imports TensorFlow when used).

* :func:`typical_cnn` - the conv-conv-pool ... dense stack of Figure 13-9.
* :func:`mnist_cnn` - the course's small, fast reference CNN for exercise 7.
* :func:`fashion_cnn` - a wider one for Fashion-MNIST.
* :func:`lenet5` - LeNet-5 as in Table 13-1 (``faithful=True``) or its modern variant.
* :func:`alexnet` - AlexNet as in Table 13-2, with local response normalisation.
* :func:`inception_module`, :func:`googlenet` - Figures 13-10 and 13-11.
* :func:`residual_unit`, :func:`bottleneck_unit`, :func:`resnet`, :func:`resnet34`,
  :func:`resnet152` - Figures 13-12 to 13-15.
* :func:`layer_table`, :func:`diagram` - a model as the chapter tabulates and draws it.

Builders load lazily, so ``import cnnlab.models`` does not import TensorFlow.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "LocalResponseNormalization": "cnnlab.models.layers",
    "ScaledAveragePooling2D": "cnnlab.models.layers",
    "PartialConv2D": "cnnlab.models.layers",
    "RBFOutput": "cnnlab.models.layers",
    "RBFLoss": "cnnlab.models.layers",
    "rbf_accuracy": "cnnlab.models.layers",
    "typical_cnn": "cnnlab.models.classic",
    "mnist_cnn": "cnnlab.models.classic",
    "fashion_cnn": "cnnlab.models.classic",
    "lenet5": "cnnlab.models.classic",
    "alexnet": "cnnlab.models.classic",
    "inception_module": "cnnlab.models.googlenet",
    "googlenet": "cnnlab.models.googlenet",
    "residual_unit": "cnnlab.models.resnet",
    "bottleneck_unit": "cnnlab.models.resnet",
    "resnet": "cnnlab.models.resnet",
    "resnet34": "cnnlab.models.resnet",
    "resnet152": "cnnlab.models.resnet",
    "layer_table": "cnnlab.models.inspect",
    "diagram": "cnnlab.models.diagram",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
