"""Claims in notebook 06 (CNN architectures).

The computed checks build the models with ``cnnlab.models`` (each one once, cached) and
count their parameters and shapes with Keras; the LRN checks run TensorFlow's and
cnnlab's local response normalisation on small arrays and on the notebook's temple maps.
"""
from functools import cache

from tests.prose_claims import computed, cited, name

NOTEBOOK = "06_cnn_architectures.ipynb"

CHAPTER = "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (2017), chapter 13"
ALEXNET = "Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional Neural Networks, NIPS 2012"
GOOGLENET = "Szegedy et al., Going Deeper with Convolutions, arXiv 2014 (CVPR 2015)"
RESNET = "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, arXiv 2015 (CVPR 2016)"
LENET = "LeCun, Bottou, Bengio & Haffner, Gradient-Based Learning Applied to Document Recognition, Proc. IEEE 1998"


# --------------------------------------------------------------------------- models, built once


@cache
def _build(builder: str, **kwargs):
    from cnnlab import models

    return getattr(models, builder)(**kwargs)


def _params(builder: str, **kwargs) -> int:
    return _build(builder, **kwargs).count_params()


def _millions(n: int, digits: int = 1) -> float:
    return round(n / 1e6, digits)


@cache
def _keras_resnet152():
    import keras

    return keras.applications.ResNet152(weights=None)


def _spatial(model, layer: str) -> tuple:
    return tuple(model.get_layer(layer).output.shape[1:])


# --------------------------------------------------------------------------- LeNet-5


def _lenet_front() -> bool:
    lenet = _build("lenet5", faithful=True)
    c1, s2 = lenet.get_layer("C1"), lenet.get_layer("S2")
    return (_spatial(lenet, "input") == (28, 28, 1) and _spatial(lenet, "pad") == (32, 32, 1)
            and c1.filters == 6 and c1.kernel_size == (5, 5)
            and s2.pool_size in (2, (2, 2)) and _spatial(lenet, "S2") == (14, 14, 6) and s2.count_params() == 12)


def _lenet_partial_c3() -> bool:
    import numpy as np

    c3 = _build("lenet5", faithful=True).get_layer("C3")
    table = np.asarray(c3.connections)
    return table.shape == (6, 16) and 0 < table.sum() < table.size and c3.output.shape[-1] == 16


def _lenet_counts() -> bool:
    lenet = _build("lenet5", faithful=True)
    counts = [lenet.get_layer(n).count_params() for n in ("C1", "S2", "C3", "S4", "C5", "F6")]
    trainable = sum(int(w.numpy().size) for w in lenet.trainable_weights)
    return counts == [156, 12, 1_516, 32, 48_120, 10_164] and sum(counts) == trainable == 60_000


def _lenet_c3_full() -> bool:
    faithful = _build("lenet5", faithful=True).get_layer("C3").count_params()
    modern = _build("lenet5", faithful=False).get_layer("C3").count_params()
    return faithful == 1_516 and modern == 2_416 == 5 * 5 * 6 * 16 + 16


def _lenet_codes() -> bool:
    lenet = _build("lenet5", faithful=True)
    codes = lenet.get_layer("out").weights
    return (lenet.get_layer("F6").units == 84 and len(codes) == 1 and tuple(codes[0].shape) == (84, 10)
            and not codes[0].trainable)


# --------------------------------------------------------------------------- the typical CNN


def _typical_cnn() -> bool:
    cnn = _build("typical_cnn", input_shape=(28, 28, 1), num_classes=10)
    kinds = [type(layer).__name__ for layer in cnn.layers[1:]]
    return kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "Conv2D", "MaxPooling2D", "Conv2D", "Conv2D",
                     "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]


# --------------------------------------------------------------------------- AlexNet


def _alexnet_dropout() -> bool:
    alex = _build("alexnet")
    return alex.get_layer("F8_dropout").rate == alex.get_layer("F9_dropout").rate == 0.5


def _alexnet_input_sizes() -> bool:
    from cnnlab import memory

    same_224 = memory.conv2d_stats((224, 224, 3), 96, 11, strides=4, padding="SAME").output_shape
    valid_227 = memory.conv2d_stats((227, 227, 3), 96, 11, strides=4, padding="VALID").output_shape
    return same_224[:2] == (56, 56) and valid_227[:2] == (55, 55) and _spatial(_build("alexnet"), "C1")[:2] == (55, 55)


def _alexnet_padded_224() -> bool:
    alex = _build("alexnet", input_shape=(224, 224, 3))
    return _spatial(alex, "pad")[:2] == (227, 227) and _spatial(alex, "C1")[:2] == (55, 55)


def _alexnet_last_pool() -> bool:
    alex = _build("alexnet")
    s8 = alex.get_layer("S8")
    return (tuple(s8.pool_size) == (3, 3) and tuple(s8.strides) == (2, 2) and _spatial(alex, "C7") == (13, 13, 256)
            and alex.get_layer("F8").units == 4_096 and round(13 * 13 * 256 * 4_096 / 1e6) == 177)


def _alexnet_stages() -> bool:
    alex = _build("alexnet")
    return [_spatial(alex, n)[0] for n in ("C1", "S2", "S4", "S8")] == [55, 27, 13, 6]


# --------------------------------------------------------------------------- local response normalisation


def _spike_reach(depth_radius: int) -> int:
    """How many maps a strong map at the centre of 11 weak ones changes, through tf.nn.local_response_normalization."""
    import numpy as np
    from cnnlab import models

    a = np.ones((1, 1, 1, 11), np.float32)
    a[..., 5] = 1000.0
    lrn = models.LocalResponseNormalization(depth_radius=depth_radius, bias=1.0, alpha=1e-4, beta=0.75)
    alone = np.asarray(lrn(np.ones_like(a)))[0, 0, 0]
    changed = ~np.isclose(np.asarray(lrn(a))[0, 0, 0] / a[0, 0, 0], alone, rtol=1e-4)
    return int(changed.sum())


def _window_is_2r_plus_1() -> bool:
    return [_spike_reach(r) for r in (0, 1, 2, 3)] == [2 * r + 1 for r in (0, 1, 2, 3)]


def _equation_by_hand() -> bool:
    """The printed formula, summed literally over j = max(0, i - r) ... min(i + r, f_n - 1), against TF and numpy."""
    import numpy as np
    from cnnlab import models, ops

    a = np.random.default_rng(0).uniform(0, 30, (2, 3, 4, 9)).astype(np.float32)
    r, k, alpha, beta = 2, 1.0, 0.00002, 0.75
    f_n = a.shape[-1]
    b = np.empty_like(a)
    for i in range(f_n):
        total = sum(a[..., j] ** 2 for j in range(max(0, i - r), min(i + r, f_n - 1) + 1))
        b[..., i] = a[..., i] * (k + alpha * total) ** -beta
    tf_out = np.asarray(models.LocalResponseNormalization(r, bias=k, alpha=alpha, beta=beta)(a))
    return bool(np.allclose(tf_out, b, rtol=1e-5) and np.allclose(ops.local_response_normalization(a), b, rtol=1e-5))


def _book_window_literally() -> bool:
    r, i = 2, 10
    return len([j for j in range(0, 21) if i - r / 2 <= j <= i + r / 2]) == 3


def _cnnlab_passes_r_as_depth_radius() -> bool:
    config = _build("alexnet").get_layer("LRN1").get_config()
    return config["depth_radius"] == 2 and _spike_reach(config["depth_radius"]) == 5


def _chapter_settings() -> bool:
    from cnnlab import models

    defaults = models.LocalResponseNormalization().get_config()
    alexnet = _build("alexnet").get_layer("LRN3").get_config()
    wanted = {"depth_radius": 2, "alpha": 0.00002, "beta": 0.75, "bias": 1.0}
    return all(defaults[key] == value == alexnet[key] for key, value in wanted.items())


@cache
def _temple_maps():
    """The notebook's maps: ReLU responses of six Gabor filters 30° apart on the temple, times 20."""
    import numpy as np
    from cnnlab import datasets, kernels, ops

    temple = datasets.load_sample_image("temple")
    bank = kernels.filter_bank(*[kernels.gabor(7, theta=np.deg2rad(a)) for a in range(0, 180, 30)])
    return bank.shape[-1], np.maximum(ops.conv2d(temple, bank, padding="SAME"), 0) * 20


def _factors(**settings):
    from cnnlab import ops

    maps = _temple_maps()[1]
    out = ops.local_response_normalization(maps, **settings)
    active = maps > 0
    return maps, active, maps[active] / out[active]


def _temple_maps_size() -> bool:
    count, maps = _temple_maps()
    return count == 6 and 250 < maps.max() < 350


def _weak_neighbourhoods_pass() -> bool:
    maps, active, factor = _factors()
    weak = (maps.max(axis=-1, keepdims=True) < 10) & active
    return bool(factor[weak[active]].max() < 1.01)


def _chapter_vs_paper() -> bool:
    _, _, chapter = _factors()
    _, _, paper = _factors(bias=2.0, alpha=1e-4)
    return bool(chapter.min() < 1.01 and paper.min() >= 2 ** 0.75 * (1 - 1e-5) and round(2 ** 0.75, 2) == 1.68
                and paper.max() > chapter.max())


# --------------------------------------------------------------------------- GoogLeNet


def _inception_branches() -> bool:
    import keras
    from cnnlab import models

    inputs = keras.Input((16, 16, 8))
    module = keras.Model(inputs, models.inception_module(inputs, 4, 3, 6, 2, 5, 3, name="m"))
    convs = {layer.name: layer for layer in module.layers if isinstance(layer, keras.layers.Conv2D)}
    sizes = {n[2:]: layer.kernel_size for n, layer in convs.items()}
    pool = module.get_layer("m_pool")
    same_stride_1 = all(c.padding == "same" and c.strides == (1, 1) for c in convs.values())
    return (sizes == {"1x1": (1, 1), "3x3_reduce": (1, 1), "3x3": (3, 3), "5x5_reduce": (1, 1), "5x5": (5, 5),
                      "pool_proj": (1, 1)}
            and tuple(pool.pool_size) == (3, 3) and tuple(pool.strides) == (1, 1) and pool.padding == "same"
            and same_stride_1 and tuple(module.output.shape[1:]) == (16, 16, 4 + 6 + 5 + 3))


def _bottlenecks_cut_depth() -> bool:
    from cnnlab.models.googlenet import INCEPTION_FILTERS

    google = _build("googlenet")
    for module in INCEPTION_FILTERS:
        depth_in = google.get_layer(f"inception{module}_1x1").input.shape[-1]
        for branch in ("3x3", "5x5"):
            if not google.get_layer(f"inception{module}_{branch}_reduce").filters < depth_in:
                return False
    return True


def _googlenet_vs_alexnet() -> bool:
    return round(_params("alexnet") / _params("googlenet"), 1) == 8.9


def _googlenet_seven_million() -> bool:
    return _millions(_params("googlenet")) == 7.0


# --------------------------------------------------------------------------- ResNet


def _silent_branch() -> bool:
    import keras
    import numpy as np
    from cnnlab import models

    inputs = keras.Input(shape=(4, 4, 8))
    unit = keras.Model(inputs, models.residual_unit(inputs, filters=8, name="u"))
    unit.get_layer("u_bn2").gamma.assign(np.zeros(8))
    x = np.random.default_rng(1).standard_normal((2, 4, 4, 8)).astype(np.float32)
    branch = keras.Model(inputs, unit.get_layer("u_bn2").output)
    return bool(np.allclose(branch(x), 0, atol=1e-6) and np.allclose(unit(x), np.maximum(x, 0), atol=1e-6))


def _projection() -> bool:
    import keras
    from cnnlab import models

    inputs = keras.Input(shape=(8, 8, 16))
    unit = keras.Model(inputs, models.residual_unit(inputs, filters=32, strides=2, name="d"))
    skip = unit.get_layer("d_skip_conv")
    return skip.kernel_size == (1, 1) and skip.strides == (2, 2) and tuple(unit.output.shape[1:]) == (4, 4, 32)


def _projections() -> bool:
    """ResNet-34's projection shortcuts: three, each a 1×1 convolution with stride 2."""
    skips = [layer for layer in _build("resnet34").layers if layer.name.endswith("_skip_conv")]
    return len(skips) == 3 and all(tuple(l.kernel_size) == (1, 1) and tuple(l.strides) == (2, 2) for l in skips)


def _units(model) -> list[int]:
    names = [layer.name for layer in model.layers if layer.name.endswith("_out") and layer.name.startswith("stage")]
    return [sum(n.startswith(f"stage{s}_") for n in names) for s in (2, 3, 4, 5)]


def _stage_outputs(model) -> list[tuple]:
    return [_spatial(model, f"stage{s}_unit1_out") for s in (2, 3, 4, 5)]


def _resnet_stacks() -> bool:
    r34, r152 = _build("resnet34"), _build("resnet152")
    unit = [r152.get_layer(f"stage2_unit1_conv{c}") for c in (1, 2, 3)]
    return (_units(r34) == [3, 4, 6, 3] and [s[-1] for s in _stage_outputs(r34)] == [64, 128, 256, 512]
            and _units(r152) == [3, 8, 36, 3] and [c.kernel_size for c in unit] == [(1, 1), (3, 3), (1, 1)]
            and [s[-1] for s in _stage_outputs(r152)] == [4 * 64, 4 * 128, 4 * 256, 4 * 512])


def _resnet_shrink() -> bool:
    r34 = _build("resnet34")
    return _spatial(r34, "input")[:2] == (224, 224) and [s[0] for s in _stage_outputs(r34)] == [56, 28, 14, 7]


def _resnet_counts() -> bool:
    return _millions(_params("resnet34")) == 21.8 and _millions(_params("resnet152")) == 60.3


def _keras_resnet152_biases() -> bool:
    import keras

    theirs = _keras_resnet152()
    biases = sum(layer.filters for layer in theirs.layers if isinstance(layer, keras.layers.Conv2D) and layer.use_bias)
    ours = [layer for layer in _build("resnet152").layers if isinstance(layer, keras.layers.Conv2D)]
    return (theirs.count_params() == 60_419_944 and biases == 75_712 == theirs.count_params() - _params("resnet152")
            and not any(layer.use_bias for layer in ours) and sum(layer.filters for layer in ours) == 75_712)


CLAIMS = [
    # titles and links
    name("06 · CNN architectures", "the notebook's number in the course, in its title"),
    name("05 · Pooling", "the title of notebook 05, in the link to it"),
    name("07 · Exercise 7", "the title of notebook 07, in the link to it"),
    name("5 best guesses", "the 5 of 'top-5 error', in the definition of that measure"),
    cited("as designed in 1998", LENET),
    cited("the 1998 design", LENET),
    cited("(Yann LeCun et al., 1998)", LENET),

    # ILSVRC history
    cited("AlexNet won 2012 with 17%, against 26% for the second best; GoogLeNet went under 7% in 2014, "
          "and ResNet under 3.6% in 2015", CHAPTER + ", sections AlexNet, GoogLeNet and ResNet"),
    cited("15.3% against 26.2% for AlexNet's winning entry", ALEXNET + ", abstract (ILSVRC-2012 top-5 test error)"),
    cited("6.67% for GoogLeNet", GOOGLENET + ", Table 2 (ILSVRC 2014 classification, top-5 error)"),
    cited("3.57% for ResNet", RESNET + ", abstract (ILSVRC 2015 classification, top-5 error)"),
    cited("in 2016 an ensemble, Trimps-Soushen, reached 2.99%",
          "ILSVRC 2016 results, image-net.org/challenges/LSVRC/2016/results, classification task (top-5 error "
          "0.02991); the same 2.991 % is quoted in Hu et al., Squeeze-and-Excitation Networks, 2017"),
    cited("AlexNet achieved a 17% top-5 error rate in 2012", CHAPTER + ", section AlexNet"),
    cited("17.0% is the paper's result on the ILSVRC-2010 test set; the entry that won ILSVRC 2012 scored 15.3%",
          ALEXNET + ", abstract"),
    cited("the papers and the 2016 results", "the sources above: AlexNet (NIPS 2012), GoogLeNet (2014), ResNet (2015) "
          "and the ILSVRC 2016 results page"),

    # typical CNN and LeNet-5
    computed("sized for 28×28 images", _typical_cnn),
    computed("the 28×28 MNIST images are zero-padded to 32×32; C1 has six 5×5 filters; S2 averages 2×2 windows",
             _lenet_front),
    computed("C3 connects each of its 16 maps to only some of S2's maps", _lenet_partial_c3),
    computed("The paper reports 156, 12, 1,516, 32, 48,120 and 10,164 trainable parameters for C1 to F6, "
             "60,000 in all", _lenet_counts),
    computed("it has 1,516 parameters rather than the 2,416 of a full 5×5 convolution from 6 to 16 maps",
             _lenet_c3_full),
    cited("1,000 ImageNet classes", ALEXNET + ", abstract (ILSVRC's 1000 classes)"),
    computed("one fixed 84-value code per class", _lenet_codes),
    cited("LeCun drew them as 7×12 bitmaps", LENET + ", Section II.B (output RBF units) and Fig. 3"),

    # AlexNet
    cited("(Krizhevsky, Sutskever and Hinton, 2012)", ALEXNET),
    computed("dropout (50% on F8 and F9)", _alexnet_dropout),
    computed("a 224×224 input with SAME padding and stride 4 would give 56×56, not the table's 55×55: the paper's "
             "sizes come from a 227×227 input with VALID padding", _alexnet_input_sizes),
    computed("(a 224 input is padded to match)", _alexnet_padded_224),
    computed("the table omits the 3×3 max pooling with stride 2 after C7; without it F8 alone would hold "
             "13×13×256×4,096 ≈ 177 million weights", _alexnet_last_pool),
    computed("55 → 27 → 13 → 6", _alexnet_stages),
    cited("about 60 million parameters, as the paper does", ALEXNET + ", abstract; " + CHAPTER + ", section GoogLeNet"),
    computed("this single-tower version has 62.4 million", lambda: _millions(_params("alexnet")) == 62.4),

    # local response normalisation
    computed("so over at most $2r + 1$ maps", _window_is_2r_plus_1),
    computed(r"$$b_i = a_i \left(k + \alpha \sum_{j=\max(0,\, i-r)}^{\min(i+r,\, f_n-1)} a_j^2\right)^{-\beta}$$",
             _equation_by_hand),
    cited(r"the sum runs from $j_\text{low} = \max(0, i - r/2)$ to $j_\text{high} = \min(i + r/2, f_n - 1)$, "
          r"with $r$ the depth radius, and sets $r = 2$ for AlexNet", CHAPTER + ", Equation 13-2 and the text after it"),
    computed(r"read literally, $i \pm r/2$ with $r = 2$ covers only 3 maps", _book_window_literally),
    computed(r"so the book's $r/2$ is `depth_radius`. cnnlab passes the book's $r = 2$ as `depth_radius=2`, "
             "which sums over 5 maps", _cnnlab_passes_r_as_depth_radius),
    cited("whose sum runs from $i - n/2$ to $i + n/2$ with $n = 5$", ALEXNET + ", section 3.3"),
    computed(r"use the chapter's AlexNet settings: $r = 2$, $\alpha = 0.00002$, $\beta = 0.75$, $k = 1$",
             _chapter_settings),
    cited(r"(Krizhevsky, Sutskever & Hinton, NIPS 2012, section 3.3) uses $k = 2$, $n = 5$, $\alpha = 10^{-4}$, "
          r"$\beta = 0.75$", ALEXNET + ", section 3.3"),
    computed("The chapter's α is the paper's $10^{-4}$ divided by $n = 5$", lambda: abs(1e-4 / 5 - 0.00002) < 1e-12),
    computed("six line filters (Gabor filters 30° apart) on the temple, scaled up so that the strongest reach about 300",
             _temple_maps_size),
    computed("where all of them are weak the factor is close to 1", _weak_neighbourhoods_pass),
    computed(r"With the chapter's $k = 1$, a response whose neighbours are all weak is divided by about 1, so it "
             r"passes unchanged; the paper's $k = 2$ divides every response by at least $2^{0.75} \approx 1.68$",
             _chapter_vs_paper),
    cited("a random 224×224 crop of the 256×256 image", ALEXNET + ", section 4.1 (data augmentation)"),

    # GoogLeNet
    cited("GoogLeNet (Szegedy et al., 2014)", GOOGLENET),
    computed("(8.9 times fewer in the models built here)", _googlenet_vs_alexnet),
    computed("(a 1×1 convolution; a 1×1 then a 3×3; a 1×1 then a 5×5; and a 3×3 max pooling with stride 1 then a "
             "1×1), all with SAME padding and stride 1", _inception_branches),
    computed('The 1×1 "bottleneck" layers cut the depth before the costly 3×3 and 5×5 convolutions',
             _bottlenecks_cut_depth),
    computed("1×1 bottleneck layers", _bottlenecks_cut_depth),
    computed("inception modules with 1×1 bottlenecks", _bottlenecks_cut_depth),
    cited('"roughly 6 million parameters"', CHAPTER + ", section GoogLeNet"),
    computed("the model built here has 7.0 million", _googlenet_seven_million),
    cited("after modules 4a and 4d, whose losses were added with a weight of 0.3", GOOGLENET + ", section 5"),

    # ResNet
    cited("ResNet (He et al., 2015) won with an extremely deep network of 152 layers", RESNET + ", abstract"),
    computed("(so its residual branch outputs 0)", _silent_branch),
    computed("(stride 2, more filters), its input cannot be added as is: a **1×1 projection** (a 1×1 convolution "
             "with stride 2 on the skip connection)", _projection),
    computed("stacks 3, 4, 6 and 3 such units with 64, 128, 256 and 512 maps; **ResNet-152** uses bottleneck units "
             "(1×1, 3×3, 1×1 with four times more output maps), 3, 8, 36 and 3 of them", _resnet_stacks),
    computed("The stage outputs shrink 56 → 28 → 14 → 7 on a 224×224 input", _resnet_shrink),
    computed("then 16 residual units in four stages", lambda: sum(_units(_build("resnet34"))) == 16),
    computed("dashed where a 1×1 convolution with stride 2 reshapes the input", _projections),
    computed("built here have 21.8 and 60.3 million parameters", _resnet_counts),
    computed("Keras' own `ResNet152` has 60,419,944: it puts a bias on every convolution, which batch normalisation "
             "makes redundant (75,712 extra numbers", _keras_resnet152_biases),
    cited("(Simonyan and Zisserman, 2014: plain stacks of 3×3 convolutions, runner-up in 2014)",
          "Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, arXiv 2014 "
          "(ICLR 2015), abstract (second place in ILSVRC 2014 classification) and Section 2"),
    cited("(Szegedy et al., 2016)", "Szegedy, Ioffe, Vanhoucke & Alemi, Inception-v4, Inception-ResNet and the Impact "
          "of Residual Connections on Learning, arXiv 2016"),

    # exercise 6 and the summary
    computed("(about 7 million against AlexNet's 62 million above)",
             lambda: round(_params("googlenet") / 1e6) == 7 and round(_params("alexnet") / 1e6) == 62),
    cited("well beyond 100 layers", RESNET + ", abstract (152 layers on ImageNet; 100 and 1000 layers on CIFAR-10)"),
    computed("LeNet-5 (60,000 trainable parameters)", _lenet_counts),
    computed("AlexNet (about 62 million)", lambda: round(_params("alexnet") / 1e6) == 62),
    computed("GoogLeNet (7 million)", lambda: round(_params("googlenet") / 1e6) == 7),
    computed("ResNet (21.8 million for ResNet-34, 60.3 million for ResNet-152)", _resnet_counts),
]
