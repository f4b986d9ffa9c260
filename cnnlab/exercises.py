"""The chapter's exercises 1 to 6, as self-check widgets: their questions, answers, hints and solutions.

This is where a teacher edits an exercise. :func:`exercise` builds the ready-made
widget of exercise 1 to 6 from the question widgets of :mod:`cnnlab.widgets.questions`
and :mod:`cnnlab.widgets.free_text`; exercise 2's expected numbers come from
:mod:`cnnlab.memory` (:func:`exercise2_answers`). The checks of the coding
exercises 7 to 10 are in :mod:`cnnlab.checks`.

>>> ex = exercise(4)
>>> ex.number, len(ex) > 0
(4, True)
"""

from __future__ import annotations

import math
import numbers

from .memory import conv2d_layer, conv2d_stats, format_bytes, pool2d_stats, stack
from ._validation import describe
from .widgets.free_text import FreeText, KeyIdea
from .widgets.questions import Exercise, MultipleChoice, NumericAnswer, Option

__all__ = ["exercise", "exercise2_answers"]


def _exercise2_network():
    return stack((200, 300, 3), [conv2d_layer(maps, 3, strides=2, padding="SAME") for maps in (100, 200, 400)])


_EX2_ASSUMPTIONS = (
    "32-bit floats (4 bytes per value). \"At least\" for a prediction: layers run one after the other and a "
    "layer's input is freed once its output is computed, so the peak is the largest pair of consecutive tensors "
    "(input or layer outputs) plus the parameters. For training on a mini-batch: the input images and every "
    "layer's output are kept for backpropagation, plus the parameters once; gradients (freed layer by layer "
    "during backpropagation) and optimizer state are left out."
)


def exercise2_answers() -> dict:
    """Exercise 2's expected answers, computed with :mod:`cnnlab.memory`.

    Returns
    -------
    dict
        ``"parameters"`` (a count), ``"ram_inference"`` (bytes for a
        prediction on one instance), ``"ram_training"`` (bytes for training
        on a mini-batch of 50) and ``"assumptions"`` (the text stating them).

    Examples
    --------
    >>> answers = exercise2_answers()
    >>> answers["parameters"], answers["ram_inference"], answers["ram_training"]
    (903400, 12613600, 565613600)
    """
    net = _exercise2_network()
    return {
        "parameters": net.total_params,
        "ram_inference": net.ram_inference(batch_size=1),
        "ram_training": net.ram_training(batch_size=50),
        "assumptions": _EX2_ASSUMPTIONS,
    }


# Pieces of the course's key-idea patterns, bounded so that each try at a position costs a bounded time
# (``\w*`` after a stem, or ``[^.]*`` between two words, backtracked over the rest of the answer from
# every place the stem occurs: "build " * 4,000 took seconds). _STEM: the end of a word after its stem
# ("reduc" + "ing"); _WORD: one word; _GAP: up to 12 words of the same sentence (a word holds no space,
# full stop or hyphen, so the text splits into words in one way only).
_STEM = r"\w{0,12}"
_WORD = r"\w{1,30}"
_GAP = r"(?:[^\s.-]{1,30}[\s-]){0,12}"


def _both(n: int) -> str:
    return f"{n:,} bytes = {format_bytes(n, binary=False)} = {format_bytes(n)}"


def _exercise1() -> Exercise:
    ideas = [
        KeyIdea("far fewer parameters, thanks to partial connections and weight sharing", [
            r"(fewer|less|smaller number of|reduced?( number of)?|lower number of)\s+(trainable\s+)?"
            r"(parameters|params|weights|connections)",
            r"(parameters|params|weights|connections)\s+((is|are)\s+)?(much\s+|far\s+|a lot\s+)?"
            r"(fewer|less|reduced|smaller|lower)",
            r"(weights?|parameters?|kernels?|filters?)[\s-]+(is\s+|are\s+)?(shar|reus)",
            r"(shar|reus)" + _STEM + r"\s+(of\s+)?(the\s+)?(same\s+)?(weights?|parameters?|kernels?|filters?)",
            r"(partial|local|sparse)" + _STEM + r"[\s-]+connect", r"not\s+fully[\s-]+connected"],
            "Count the weights: how many does a convolutional layer need, compared with a dense layer with as "
            "many neurons, and why? What does that change for training time, overfitting and the amount of data?"),
        KeyIdea("a feature learned once is detected anywhere in the image", [
            r"anywhere", r"everywhere", r"wherever", r"regardless of (where|its (location|position))",
            r"any\s+(location|position|place|part|region|spot)",
            r"(translation|shift|spatial|position(al)?|location)[\s-]+(invarian|equivarian|independen)",
            r"(invariant|equivariant|independent)\s+(to|of)\s+(the\s+)?(translation|shift|position|location)",
            r"(different|other|all|every)\s+(locations?|positions?|places?|parts of the image|regions?)"],
            "Picture a pattern, say an eye, that a network learned to recognise in the top-left corner of its "
            "training images. What happens when an eye shows up in the bottom-right corner: for a CNN, and for "
            "a fully connected network?"),
        KeyIdea("built-in prior knowledge of how pixels are organised: local patterns combined into larger ones", [
            r"(spatial|local|2-?d|two-dimensional|neighbou?r" + _STEM + r"|nearby|adjacent)\s+(structure|information|"
            r"relation" + _STEM + r"|correlation" + _STEM
            + r"|pixels|patterns?|features?|organi[sz]ation|context|topology|arrangement)",
            r"prior", r"inductive bias", r"hierarch", r"receptive field",
            r"(combin|assembl|build)" + _STEM + r"\s" + _GAP + r"(larger|bigger|higher[\s-]level|more complex|complex)",
            r"pixels?\s" + _GAP + r"(close|near|next to)",
            r"flatten" + _STEM + r"\s" + _GAP + r"(los[et]|destroy|throw|ignor|discard)"],
            "What does a fully connected layer know about which pixels are neighbours? If you shuffled the "
            "pixels of every image in the same way, which kind of network would not notice?"),
    ]
    model = (
        "(a) Far fewer parameters. Consecutive layers are only partially connected and the network heavily "
        "reuses its weights (weight sharing), so a CNN has many fewer parameters than a fully connected DNN: it "
        "is faster to train, less prone to overfitting, and needs much less training data.\n\n"
        "(b) A feature learned once is detected anywhere. A kernel that detects a feature slides over every "
        "position, so the CNN detects that feature anywhere in the image; a DNN that learned it in one location "
        "can detect it only there. Images have very repetitive features, so CNNs generalise much better.\n\n"
        "(c) Built-in knowledge of how pixels are organised. A DNN has no prior knowledge of which pixels are "
        "close. A CNN's architecture embeds it: lower layers identify features in small areas of the image, and "
        "higher layers combine them into larger features. This works well with most natural images."
    )
    question = FreeText("What are the advantages of a CNN over a fully connected DNN for image classification?",
                        model, key_ideas=ideas,
                        hints=["There are three main ones: one about the number of parameters, one about where in "
                               "the image a feature can be found, one about what the architecture assumes about "
                               "images."])
    return Exercise(1, "CNNs versus fully connected networks", question)


def _exercise2_questions() -> tuple[NumericAnswer, NumericAnswer, NumericAnswer]:
    net = _exercise2_network()
    answers = exercise2_answers()
    params, inference, training = answers["parameters"], answers["ram_inference"], answers["ram_training"]
    return (_exercise2_parameters(net, params), _exercise2_prediction(net, params, inference),
            _exercise2_batch(net, params, inference, training))


def _tensors(net) -> list[tuple[str, int, tuple]]:
    """``(name, values, shape)`` of the input and of each layer's output, per image."""
    return [("the input", math.prod(net.input_shape), net.input_shape)] + [
        (f"layer {i}'s output", layer.output_values, layer.output_shape) for i, layer in enumerate(net.layers, 1)]


def _dims(shape) -> str:
    return "×".join(map(str, shape))


def _exercise2_parameters(net, params: int) -> NumericAnswer:
    terms = [f"(3×3×{layer.input_shape[2]} + 1) × {layer.output_shape[2]} = {layer.params:,}"
             for layer in net.layers]
    no_bias = stack((200, 300, 3), [conv2d_layer(m, 3, strides=2, use_bias=False) for m in (100, 200, 400)])
    grey = stack((200, 300, 1), [conv2d_layer(m, 3, strides=2) for m in (100, 200, 400)])
    flat_kernels = sum((3 * 3 + 1) * layer.output_shape[2] for layer in net.layers)
    return NumericAnswer(
        "(a) What is the total number of parameters in the CNN?", params, tolerance=0,
        placeholder="e.g. 123,456",
        hints=["Each layer has (3×3×channels in + 1) × feature maps out parameters; its channels in are the "
               "feature maps of the layer below (3 for the RGB input).",
               "Add up (3×3×3 + 1) × 100, (3×3×100 + 1) × 200 and (3×3×200 + 1) × 400."],
        mistakes=[
            (no_bias.total_params, f"Almost: you left out the biases, one per feature map "
                                   f"({params - no_bias.total_params:,} in all)."),
            (grey.total_params, "Almost: the first layer's kernels span the 3 colour channels of the RGB input: "
                                "3×3×3 + 1 parameters per feature map, not 3×3 + 1."),
            (flat_kernels, "Each kernel spans all the feature maps of the layer below, not just one: the middle "
                           "layer's kernels are 3×3×100, the top layer's 3×3×200."),
            (net.layers[-1].params, "That is only the top layer: add the other two."),
        ],
        explanation="; ".join(terms) + f": {params:,} parameters in all. The image size does not matter.")


def _exercise2_prediction(net, params: int, inference: int) -> NumericAnswer:
    size = 4                                                            # bytes per float32
    param_bytes = net.param_bytes()
    tensors = _tensors(net)
    pair = max(range(len(tensors) - 1), key=lambda i: tensors[i][1] + tensors[i + 1][1])
    (first, first_values, first_shape), (second, second_values, second_shape) = tensors[pair], tensors[pair + 1]
    pair_bytes = (first_values + second_values) * size
    return NumericAnswer(
        "(b) Using 32-bit floats, at least how much RAM does the network need to make a prediction for a single "
        "instance?", inference, units="bytes",
        hints=["Work out each tensor per image: the input is 200×300×3 values, and with stride 2 and SAME padding "
               "each layer halves the height and width (rounding up). Each value takes 4 bytes.",
               "During a prediction, a layer's input can be freed once its output is computed: the peak is the "
               "largest pair of consecutive tensors, plus the parameters (4 bytes each)."],
        mistakes=[
            (pair_bytes, "That is the feature maps alone: the parameters must be in RAM too "
                         f"({params:,} × 4 bytes = {format_bytes(param_bytes, binary=False)})."),
            (net.feature_map_bytes(1) + param_bytes,
             "You added up every tensor. For a prediction, a layer's output can be freed as soon as the next "
             "layer has computed its own, so only the largest two consecutive tensors are in RAM at once."),
            (max(v for _, v, _ in tensors) * size + param_bytes,
             "A layer's input can only be freed once its output is computed, so at the peak two consecutive "
             "tensors are in RAM together, not just the largest one."),
            (param_bytes, "That is just the parameters: the feature maps being computed take RAM too."),
            (first_values + second_values + params,
             "That looks like a count of values: in 32-bit floats each value takes 4 bytes."),
            ((2 * first_values + second_values) * size + param_bytes,
             "That is the figure of early printings of the book's 1st edition (about 17.8 MB), which adds 6 + 9 "
             "million bytes of feature maps where the two layers hold 6 and 3 million: count each of the two "
             "consecutive tensors once."),
        ],
        explanation=(f"The largest consecutive pair is {first} ({_dims(first_shape)}) and {second} "
                     f"({_dims(second_shape)}): {first_values + second_values:,} values × 4 bytes = "
                     f"{pair_bytes:,} bytes, plus the parameters, {params:,} × 4 = {param_bytes:,} bytes: "
                     f"{_both(inference)}. Early printings of the book's 1st edition say about 17.8 MB: they add "
                     "6 + 9 million bytes of feature maps instead of 6 + 3."))


def _exercise2_batch(net, params: int, inference: int, training: int) -> NumericAnswer:
    size = 4                                                            # bytes per float32
    param_bytes = net.param_bytes()
    per_image = sum(values for _, values, _ in _tensors(net)) * size
    images = math.prod(net.input_shape) * size * 50
    return NumericAnswer(
        "(c) And at least how much RAM to train it on a mini-batch of 50 images?", training, units="bytes",
        hints=["Backpropagation needs every layer's output from the forward pass: keep the input images and all "
               "three layers' outputs, for each of the 50 images.",
               "Then add the parameters once (the whole batch shares them); leave out the gradients, which can be "
               "freed as backpropagation goes down the layers."],
        mistakes=[
            (training - images, f"You forgot the input images: 50 × 200×300×3 values × 4 bytes = "
                                f"{format_bytes(images, binary=False)} are in RAM too."),
            (net.ram_training(1), "That is for one image: multiply the feature maps (not the parameters) by the "
                                  "50 images of the mini-batch."),
            (50 * net.ram_training(1), "The parameters are shared by the whole mini-batch: count them once, not "
                                       "50 times."),
            (net.ram_inference(50), "Training cannot free the layer outputs as it goes: backpropagation needs all "
                                    "of them, so the input and every layer's output are kept for the 50 images."),
            (50 * inference, "You multiplied the prediction's RAM by 50: training keeps every layer's output, not "
                             "just two, and the parameters are counted once."),
        ],
        explanation=(f"Per image: the input and the three outputs, {per_image // size:,} values × 4 bytes = "
                     f"{per_image:,} bytes; × 50 = {per_image * 50:,} bytes; plus the parameters once, "
                     f"{param_bytes:,} bytes: {_both(training)}. The book's 1st edition gets 537.7 MB: its "
                     "megabytes are MiB, and it rounds each layer to 5.7, 2.9 and 1.4 MB per image before "
                     "multiplying by 50."))


def _exercise2() -> Exercise:
    intro = ("Consider a CNN composed of three convolutional layers, each with 3×3 kernels, a stride of 2, and "
             "SAME padding. The lowest layer outputs 100 feature maps, the middle one outputs 200, and the top one "
             "outputs 400. The input images are RGB images of 200×300 pixels.\n\n"
             "Type numbers such as 45,600 or 4.2 MB (MB: 1,000² bytes; MiB: 1,024² bytes).")
    return Exercise(2, "Parameters and RAM of a three-layer CNN", *_exercise2_questions(), intro=intro)


def _exercise3() -> Exercise:
    ideas = [
        KeyIdea("reduce the mini-batch size", [
            r"(smaller|(reduc|decreas|lower|shrink|cut|halv)" + _STEM + r")\s+(the\s+)?(mini[\s-]?)?batch",
            r"(mini[\s-]?)?batch(\s+size)?\s+(is\s+)?(smaller|reduc|decreas|lower|down)",
            r"fewer\s+(images|instances|samples|examples)\s+(per|in each|in a)\s+(mini[\s-]?)?batch"],
            "What is the RAM for training multiplied by, in exercise 2?"),
        KeyIdea("reduce dimensionality, e.g. a larger stride", [
            r"stride", r"dimensionality",
            r"(reduc|lower|decreas|shrink)" + _STEM
            + r"\s+(the\s+)?(dimension|resolution|image size|input size|size of the)",
            r"(smaller|(downsampl|downscal|resiz)" + _STEM + r")\s+(the\s+)?(input\s+)?(images?|inputs?|feature maps?)",
            r"(more|extra|add" + _STEM + r")\s+(" + _WORD + r"\s+)?pooling", r"lower resolution"],
            "The lowest layers have the largest feature maps. Which setting of a layer makes its output smaller?"),
        KeyIdea("remove layers (a smaller network)", [
            r"(remov|drop|delet|cut)" + _STEM + r"\s+(" + _WORD + r"\s+){0,4}layers?",
            r"layers?\s+(removed|dropped|deleted)",
            r"(fewer|less)\s+(" + _WORD + r"\s+)?layers", r"shallower",
            r"(fewer|less)\s+(feature maps|filters|channels|neurons|units)",
            r"(reduc|decreas|lower)" + _STEM + r"\s+(the\s+)?(number of|depth|layers|feature maps|filters)"],
            "Training keeps every layer's output for backpropagation. What could you change in the network "
            "itself?"),
        KeyIdea("use 16-bit floats instead of 32-bit", [
            r"16[\s-]?bits?", r"float\s?16", r"fp\s?16", r"half[\s-]precision", r"mixed[\s-]precision",
            r"bfloat", r"(lower|reduced?|less)\s+precision", r"quanti[sz]"],
            "Every value takes 4 bytes in float32. Does it have to?"),
        KeyIdea("distribute the CNN across multiple devices", [
            r"(multiple|several|more|two|many|other|additional|extra)\s+(gpus|devices|machines|cards|servers|"
            r"graphics cards|tpus)", r"more than one (gpu|device|machine)", r"distribut", r"parallel",
            r"multi[\s-]?gpu", r"cluster",
            r"split" + _STEM + r"\s" + _GAP + r"(across|between|over|among)\s" + _GAP + r"(gpus|devices)"],
            "One GPU is not enough for the whole network. What if you had more than one?"),
    ]
    model = ("The book's five answers, other than buying a GPU with more RAM:\n"
             "1. reduce the mini-batch size;\n"
             "2. reduce dimensionality using a larger stride in one or more layers;\n"
             "3. remove one or more layers;\n"
             "4. use 16-bit floats instead of 32-bit floats;\n"
             "5. distribute the CNN across multiple devices.\n\n"
             "Notebook 04 measures each one on exercise 2's network, with its price: noisier gradients, lost "
             "spatial detail, a less powerful network, lower precision, more hardware.")
    question = FreeText("If your GPU runs out of memory while training a CNN, what are five things you could try "
                        "to solve the problem? (Buying a bigger GPU does not count.)", model, key_ideas=ideas,
                        need=5,
                        hints=["Look at what exercise 2's training RAM is made of: the mini-batch, the size of "
                               "each feature map, the number of layers, the bytes per value, and the one GPU "
                               "that holds it all. Each gives one remedy."])
    return Exercise(3, "Out of GPU memory", question)


def _exercise4() -> Exercise:
    conv = conv2d_stats((32, 32, 64), filters=64, kernel_size=2, strides=2)          # any height and width
    pool = pool2d_stats((32, 32, 64), pool_size=2, strides=2)
    per_value = conv.multiplications // math.prod(conv.output_shape)
    options = [
        Option("It has no parameters at all, so there is nothing to learn and less to compute.", True,
               f"A 2×2 max pooling layer with stride 2 has {pool.params} parameters, while a 2×2 convolution with "
               f"stride 2 that keeps 64 channels has 2×2×64×64 + 64 = {conv.params:,} parameters to learn, and does "
               f"{per_value:,} multiplications for each value it outputs. Pooling only takes maxima."),
        Option("Its output is smaller in height and width than the convolutional layer's output.", False,
               "With the same stride (and padding), both give outputs of the same height and width: the output "
               "size depends on the window, stride and padding, not on what the layer computes."),
        Option("It learns which features are worth keeping, thanks to its trainable weights.", False,
               "A max pooling layer has no weights: it always takes the maximum of each window, and learns "
               "nothing."),
        Option("It reduces the number of feature maps (channels), which a convolution cannot do.", False,
               "A max pooling layer pools each feature map on its own and keeps their number; a convolutional "
               "layer is the one that can change it (1×1 convolutions are used for exactly that)."),
    ]
    question = MultipleChoice("What advantage does a max pooling layer have over a convolutional layer with the "
                              "same stride?", options,
                              hints=["Count what each layer has to learn: how many parameters does a 2×2 "
                                     "convolution with stride 2 on 64 channels have? And a 2×2 max pooling layer?"])
    return Exercise(4, "Max pooling versus a strided convolution", question)


def _exercise5() -> Exercise:
    options = [
        Option("In the lower layers, so that neighbouring feature maps specialise in different features.", True,
               "The most strongly activated neurons inhibit the neurons at the same location in neighbouring "
               "feature maps: this pushes the maps apart, so they explore a wider range of features, and the upper "
               "layers get a larger pool of low-level features to build upon. AlexNet and GoogLeNet used LRN in "
               "their lower layers (later networks mostly use batch normalization instead)."),
        Option("Right before the output layer, to turn the scores into class probabilities.", False,
               "That is the softmax activation's job. LRN normalises a neuron by the neurons at the same position "
               "in the neighbouring feature maps of a convolutional layer."),
        Option("After the dense layers at the top, to fight overfitting the way dropout does.", False,
               "LRN is not a regulariser like dropout: it works across the feature maps of convolutional layers, "
               "and it is typically used in the lower ones."),
        Option("In the upper layers, so that neighbouring feature maps learn to detect the same features.", False,
               "The opposite: LRN makes neighbouring feature maps compete, so they learn different features, and "
               "it is typically used in the lower layers."),
        Option("Whenever the network has too many parameters, to reduce the number it must learn.", False,
               "LRN has no trainable parameters and changes no shape, so it cannot reduce the number of "
               "parameters of the other layers."),
    ]
    question = MultipleChoice("When would you want to add a local response normalization (LRN) layer?", options,
                              hints=["With LRN, a neuron that fires strongly dampens the neurons at the same "
                                     "position in the neighbouring feature maps. What does that do to what those "
                                     "feature maps learn?",
                                     "Which layers' features does the rest of the network build upon?"])
    return Exercise(5, "Local response normalization", question)


def _exercise6() -> Exercise:
    intro = ("Can you name the main innovations in AlexNet, compared to LeNet-5? What about the main innovations "
             "in GoogLeNet and ResNet?")
    return Exercise(6, "AlexNet, GoogLeNet and ResNet", _alexnet_question(), _googlenet_question(), _resnet_question(), intro=intro)


def _alexnet_question() -> MultipleChoice:
    return MultipleChoice(
        "(a) What were AlexNet's main innovations, compared with LeNet-5? Tick all that apply.", [
            Option("A much larger and deeper network than LeNet-5.", True,
                   "AlexNet has about 60 million parameters, a thousand times LeNet-5's 60,000, and more layers."),
            Option("Convolutional layers stacked directly on top of each other, no pooling in between.", True,
                   "LeNet-5 alternates convolution and pooling; AlexNet stacks three convolutions in a row."),
            Option("ReLU activations, dropout and local response normalization.", True,
                   "None of the three was in LeNet-5, which used tanh activations. AlexNet also relied heavily on "
                   "data augmentation (LeNet-5's paper had already tried distorted copies of the digits) and was "
                   "trained on two GPUs."),
            Option("Convolutional layers and pooling layers, the two building blocks of a CNN.", False,
                   "LeNet-5 already alternated convolutional and pooling (subsampling) layers."),
            Option("Inception modules, running 1×1, 3×3 and 5×5 convolutions side by side on one input.", False,
                   "That is GoogLeNet's innovation, two years after AlexNet."),
            Option("Skip connections that add a unit's input to its output.", False,
                   "That is ResNet's innovation (residual units), three years after AlexNet."),
            Option("Global average pooling instead of large dense layers at the top.", False,
                   "That came later, with GoogLeNet (after Network in Network, 2013); AlexNet ends with two dense "
                   "layers of 4,096 neurons before its output layer."),
        ], multiple=True,
        hints=["Compare the layer tables of LeNet-5 and AlexNet in notebook 06: size, depth, and what follows "
               "each convolutional layer. Then think about activations and fighting overfitting."])


def _googlenet_question() -> MultipleChoice:
    return MultipleChoice(
        "(b) What were GoogLeNet's main innovations? Tick all that apply.", [
            Option("Inception modules: 1×1, 3×3 and 5×5 convolutions and max pooling in parallel, concatenated.",
                   True, "Each module captures patterns at several scales at once; its output depth is the sum of "
                         "its branches' depths."),
            Option("1×1 bottleneck layers that cut the depth before the costly 3×3 and 5×5 convolutions.", True,
                   "They make inception modules affordable: GoogLeNet is much deeper than AlexNet, yet it has about "
                   "a tenth of its parameters."),
            Option("Global average pooling instead of large dense layers at the top.", True,
                   "New compared with AlexNet: it removes most of the parameters a dense top would need. GoogLeNet "
                   "took the idea from Network in Network (Lin et al., 2013)."),
            Option("Skip connections that add each unit's input to its output, so that deep stacks still train.",
                   False, "That is ResNet's innovation, the year after GoogLeNet."),
            Option("Dropout and data augmentation, to keep such a deep network from overfitting.", False,
                   "Both were already in AlexNet: GoogLeNet uses them, but they were not new."),
            Option("Convolutional layers stacked directly on top of each other, without pooling between.", False,
                   "That was AlexNet's innovation."),
            Option("Local response normalization after the first layers, to make the maps compete.", False,
                   "That came with AlexNet: GoogLeNet uses it in its first layers, but it was not new."),
        ], multiple=True,
        hints=["What is inside one inception module, and what do its 1×1 convolutions do to the number of "
               "feature maps? What replaces the dense layers at the top?"])


def _resnet_question() -> MultipleChoice:
    return MultipleChoice(
        "(c) What were ResNet's main innovations? Tick all that apply.", [
            Option("Skip connections: each residual unit adds its input to its output.", True,
                   "The unit only has to learn the difference (the residual); the signal and the gradients flow "
                   "through the skip connections, so very deep networks train well."),
            Option("Networks well beyond 100 layers (ResNet-152) that still train well.", True,
                   "Skip connections make that depth possible."),
            Option("A simple, regular design: stacks of identical residual units, in a few stages.", True,
                   "ResNet-34 is just 16 residual units in four stages; where a unit changes the size and depth, a "
                   "1×1 convolution with stride 2 on its skip connection gives the input the right shape."),
            Option("Inception modules, which run convolutions of several sizes in parallel on one input.", False,
                   "That is GoogLeNet's innovation."),
            Option("Global average pooling instead of large dense layers at the top.", False,
                   "ResNet uses it, but GoogLeNet used it the year before."),
            Option("Local response normalization in the lower layers, to make neighbouring maps compete.", False,
                   "That came with AlexNet (GoogLeNet used it too); ResNet uses batch normalization instead."),
        ], multiple=True,
        hints=["How deep is ResNet-152, and what does a residual unit add to the output of its layers?"])


_EXERCISES = {1: _exercise1, 2: _exercise2, 3: _exercise3, 4: _exercise4, 5: _exercise5, 6: _exercise6}


def exercise(n: int) -> Exercise:
    """The self-check widget of the chapter's exercise ``n`` (1 to 6).

    Exercises 7 to 10 are coding exercises, each in its own notebook (07 to
    10); check their results there with :func:`cnnlab.checks.check_accuracy`,
    :func:`check_top5` and :func:`check_dream`.

    Examples
    --------
    >>> ex = exercise(2)
    >>> len(ex), ex[0].answer
    (3, 903400.0)
    >>> exercise(7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n must be an exercise number from 1 to 6, received n=7: exercises 7 to 10 are coding exercises, ...
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n not in _EXERCISES:
        raise ValueError(f"n must be an exercise number from 1 to 6, received n={describe(n)}: exercises 7 to 10 "
                         "are coding exercises, done in notebooks 07 to 10 (check your results there with "
                         "check_accuracy, check_top5 or check_dream).")
    return _EXERCISES[int(n)]()
