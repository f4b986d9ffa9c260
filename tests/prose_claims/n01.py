"""Claims in notebook 01 (The visual cortex and receptive fields)."""


from tests.prose_claims import cited, code_has, computed, name, printed

NOTEBOOK = "01_visual_cortex_and_receptive_fields.ipynb"

BOOK = "Géron, Hands-On Machine Learning with Scikit-Learn and TensorFlow, 1st edition (2017), chapter 13"
LECUN = ("LeCun, Bottou, Bengio & Haffner, 'Gradient-based learning applied to document recognition', "
         "Proc. IEEE 86(11), 1998")




def _datasets():
    from cnnlab import datasets

    return datasets


def _ops():
    from cnnlab import ops

    return ops


def _sizes(layers, n=32):
    return [f.size for f in _ops().receptive_field(layers, n)]


def _convs(count, kernel=3):
    return [(kernel, 1, "SAME")] * count


def _lenet():
    return [(5, 1, "VALID"), (2, 2, "VALID"), (5, 1, "VALID"), (2, 2, "VALID")]


def _table(count):
    from cnnlab.widgets.receptive_field import field_table

    return field_table(_convs(count), (32, 32))


def _two_vs_one():
    rows = _table(2)
    return rows[-1].field == (5, 5) and rows[-1].weights == 2 * 9 == 18 and rows[-1].single_layer_weights == 25


def _three():
    row = _table(3)[-1]
    return row.field == (7, 7) and row.weights == 27 and row.single_layer_weights == 49


def _lenet_fields():
    fields = _ops().receptive_field(_lenet(), 32)
    return ([f.size for f in fields] == [5, 6, 14, 16] and fields[1].jump == 2 and 2 * fields[3].size == 32)


def _adds_kernel_minus_one_times_jump():
    for layers in (_lenet(), [(3, 2, "SAME")] * 3, _convs(3), [(7, 2, "SAME"), (3, 2, "VALID"), (3, 1, "SAME")]):
        size, jump = 1, 1
        for (kernel, stride, _), field in zip(layers, _ops().receptive_field(layers, 64)):
            if field.size != size + (kernel - 1) * jump:
                return False
            size, jump = field.size, field.jump
    return True


def _dense_vs_conv():
    from cnnlab import memory

    dense = memory.dense_stats(150 * 100 * 3, units=150 * 100, use_bias=False)
    conv = memory.conv2d_stats((150, 100, 3), filters=200, kernel_size=5, strides=1, padding="SAME")
    return dense.params == 675_000_000 and conv.params == 15_200


def _mnist_layers():
    from cnnlab import memory

    conv = memory.conv2d_stats((28, 28, 1), filters=32, kernel_size=5)
    dense = memory.dense_stats(28 * 28, units=conv.output_values)
    return (conv.output_values == 28 * 28 * 32 and dense.input_shape == (784,)
            and code_has(NOTEBOOK, "conv2d_stats((28, 28, 1), filters=32, kernel_size=5)"))


def _bar_filter():
    from cnnlab import kernels

    return kernels.vertical_line().shape == (7, 7) and kernels.vertical_line().size == 49


def _s4_middle():
    s4 = _ops().receptive_field(_lenet(), 32)[-1]
    return s4.output_size == 5 and s4.output_size // 2 == 2


def _walk_back():
    bounds = _ops().receptive_field_bounds(_lenet(), 32, 2)
    return bounds[3] == (4, 5) and bounds[2] == (4, 9) and bounds[0][1] - bounds[0][0] + 1 == 16


def _drawn_blocks():
    import numpy as np
    from cnnlab.widgets.receptive_field import draw_box

    shown = draw_box(np.ones((5, 7)), (1, 3, 2, 4), scale=6)
    return shown.shape[:2] == (30, 42) and code_has(NOTEBOOK, "scale=6", "(three_convs, 2), (lenet, 3)")


def _fewest_layers_to(size):
    count = 1
    while _sizes(_convs(count), 64)[-1] < size:
        count += 1
    return count


CLAIMS = [
    name("01 · The visual cortex", "the notebook's number in the course (its file is 01_….ipynb)"),
    name("00 · Start here", "the previous notebook's number in the course"),
    name("02 · Convolutional layers", "the next notebook's number in the course"),
    computed("two 3×3 layers are better value than one 5×5 layer", _two_vs_one),
    cited("In 1958 and 1959, David H. Hubel and Torsten Wiesel recorded single neurons in the visual cortex of cats",
          f"{BOOK}, 'The Architecture of the Visual Cortex'; Hubel & Wiesel, 'Receptive fields of single neurones "
          "in the cat's striate cortex', J. Physiol. 148 (1959), 574-591"),
    cited("half of the 1981 Nobel Prize in Physiology or Medicine",
          "The Nobel Prize in Physiology or Medicine 1981, nobelprize.org summary: one half to Roger W. Sperry, "
          "the other half jointly to David H. Hubel and Torsten N. Wiesel"),
    cited("**neocognitron** (1980)",
          "Fukushima, 'Neocognitron: a self-organizing neural network model for a mechanism of pattern recognition "
          "unaffected by shift in position', Biological Cybernetics 36 (1980), 193-202"),
    cited("the 1998 paper by Yann LeCun", LECUN),
    cited("neocognitron (1980) and then CNNs such as LeNet-5 (1998)",
          f"Fukushima, Biological Cybernetics 36 (1980), 193-202; {LECUN}"),
    computed("MNIST's 28×28 digits",
             lambda: _datasets().IDX_DATASETS["mnist"].train_images.shape[1:] == (28, 28)),
    printed("the chapter's 100×100 greyscale image and a first hidden layer of just 1,000 neurons",
            "a 100×100 image has 10,000 pixels 1,000 neurons × 10,000 pixels = 10,000,000 connections"),
    cited("a 150×100 RGB image (the size of the chapter's memory example",
          f"{BOOK}, 'Memory Requirements': a 150 × 100 RGB input, 200 feature maps, 5 × 5 filters"),
    cited("200 feature maps, 5×5 filters, stride 1 and SAME padding",
          f"{BOOK}, 'Memory Requirements': 5 × 5 filters, 200 feature maps of size 150 × 100, stride 1, "
          "SAME padding, (5 × 5 × 3 + 1) × 200 = 15,200 parameters"),
    printed("three stacked 3×3 convolutional layers with stride 1 and SAME padding, on a 32×32 input",
            "conv1 3×3 output 32×32 receptive field 3×3 jump 1"),
    computed("Each 3×3 layer adds 2 × jump pixels to the field: a neuron of the second layer sees 3×3 neurons of "
             "the first, whose fields together cover 5×5 pixels", lambda: _sizes(_convs(3)) == [3, 5, 7]),
    cited("a 5×5 convolution (C1), a 2×2 pooling layer with stride 2 (S2), another 5×5 convolution (C3) and "
          "another pooling layer (S4), all without padding, on its 32×32 input", f"{LECUN}, Section II.B (LeNet-5)"),
    computed("C3 has a 5×5 kernel like C1, yet its neurons see 14×14 pixels: after S2 its five inputs per axis are "
             "2 pixels apart. Each neuron of S4 sees 16×16 pixels, half the width of the image", _lenet_fields),
    computed("(position 2 of 5)", _s4_middle),
    computed("the neuron reads positions 4 to 5 of C3, which read positions 4 to 9 of S2, and so on down to 16 "
             "input pixels", _walk_back),
    computed("the full 427×640 photo",
             lambda: _datasets().load_sample_image("temple").shape == (427, 640, 3)),
    computed("each of the three 3×3 layers and of LeNet-5's S4 layer; each pixel is drawn as a 6×6 block",
             _drawn_blocks),
    computed("Two 3×3 layers see what one 5×5 layer sees", _two_vs_one),
    computed("Two stacked 3×3 layers have a 5×5 receptive field, like a single 5×5 layer, but with 2 × 9 = 18 "
             "weights per pair of input and output channels instead of 25", _two_vs_one),
    computed("three 3×3 layers see 7×7 pixels with 27 weights instead of 49", _three),
    cited("you can often get the effect of a 9×9 kernel by stacking two 3×3 kernels",
          f"{BOOK}, 'CNN Architectures', the tip on kernel sizes (its wording as the course's issue 18 reports it; not checked against a copy here)"),
    computed("each 3×3 layer with stride 1 widens the field by 2 pixels, so two of them see 5×5 pixels",
             lambda: _sizes(_convs(2)) == [3, 5]),
    computed("it takes four of them to see 9×9", lambda: _fewest_layers_to(9) == 4),
    computed("the equivalence is with one 5×5 layer", _two_vs_one),
    computed("two 3×3 layers against one 5×5 layer, 64 feature maps in and out, on a 32×32 input",
             lambda: code_has(NOTEBOOK, "memory.stack((32, 32, 64), [memory.conv2d_layer(64, 3), "
                                        "memory.conv2d_layer(64, 3)])",
                              "memory.stack((32, 32, 64), [memory.conv2d_layer(64, 5)])")),
    cited("VGGNet and ResNet (notebook 06) are built from stacks of 3×3 convolutions",
          "Simonyan & Zisserman, 'Very deep convolutional networks for large-scale image recognition', ICLR 2015, "
          "Table 1; He, Zhang, Ren & Sun, 'Deep residual learning for image recognition', CVPR 2016, Table 1"),
    computed("a convolutional layer with 32 filters of 5×5 (SAME padding) with a fully connected layer that has as "
             "many neurons, 28×28×32, each connected to the 784 pixels", _mnist_layers),
    computed("the chapter's 7×7 vertical line filter", _bar_filter),
    computed("the same 49 weights", _bar_filter),
    computed("a 100×100 image and 1,000 neurons already mean 10 million connections",
             lambda: 100 * 100 * 1_000 == 10_000_000),
    computed("a 150×100 RGB image fully connected to one neuron per pixel position needs 675 million weights, "
             "against 15,200 parameters for a convolutional layer with 200 feature maps", _dense_vs_conv),
    computed("each layer adds (kernel size − 1) × jump pixels", _adds_kernel_minus_one_times_jump),
    computed("Two 3×3 layers see the same 5×5 field as one 5×5 layer, with 18 weights per channel pair instead "
             "of 25", _two_vs_one),
    computed("how many stacked 3×3 layers with stride 1 a neuron needs to see at least as many pixels",
             lambda: _fewest_layers_to(_sizes(_lenet())[-1]) == 8),
]
