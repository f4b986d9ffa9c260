"""What the browser tests do with each widget, notebook by notebook.

To cover a new notebook's widgets, add a ``Scenario``: the notebook, the widget's CSS class
(``cnnlab-`` + its class name in kebab case; ``index`` picks among several of the same kind),
and steps, each an action a learner takes and what the widget must then show.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from harness import (Scenario, check, choose, click, draw, image_changed, page_shows, press, select, shows, step, svg_changed,
                     toggle, type_into, upload, write)

from tests import stop_training_cells

DATA = Path(os.environ.get("CNNLAB_DATA_DIR", "/nonexistent"))


def _notebook(*sources: str) -> str:
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook)


#: Notebooks made for a test, not part of the course: name -> notebook JSON.
TEST_NOTEBOOKS = {
    # A training run far too long to finish: only the Stop button can end its cell, and the next cell then runs.
    "stop_training.ipynb": _notebook(stop_training_cells.SETUP + "\n" + stop_training_cells.TRAIN,
                                     stop_training_cells.AFTER),
}

# Why a step may leave the widget's picture (nearly) as it was: ``step(..., same_picture=...)``.
#: An exercise grades an answer when Check is pressed; entering it changes only the answer box itself
#: (a few digits, one radio dot: less than 0.1 % of the widget).
ANSWER_ONLY = "entering an answer changes only its box; the exercise answers when Check is pressed"

SCENARIOS = [
    # 00 · Start here: the two data set browsers.
    Scenario("00_start_here.ipynb", "cnnlab-dataset-browser", index=0, steps=(
        step(press("Image", "ArrowRight", 3), image_changed(0), shows("image #3 of 60,000")),
        step(select("Show", "7: 7"), image_changed(0), shows("label 7: 7"), shows("6,265 images in this selection")),
        step(press("Image", "End"), image_changed(0), shows("label 7: 7")),
    )),
    Scenario("00_start_here.ipynb", "cnnlab-dataset-browser", index=1, steps=(
        step(select("Show", "0: T-shirt/top"), image_changed(0), shows("T-shirt/top"), shows("6,000 images")),
    )),
    # 01 · Receptive fields.
    Scenario("01_visual_cortex_and_receptive_fields.ipynb", "cnnlab-receptive-field-explorer", steps=(
        step(select("Layer", "1. conv1 3×3"), image_changed(0), shows("has a 3×3 receptive field")),
        step(press("Column", "ArrowRight", 4), image_changed(0), shows("column 44")),
        step(select("Stack", "two 3×3 convs vs one 5×5"), image_changed(0), shows("5×5")),
    )),
    # 02 · Convolutional layers: Figure 13-7, then a free geometry explorer.
    Scenario("02_convolutional_layers.ipynb", "cnnlab-conv-geometry-explorer", index=0,
             initially=(shows("ignored input columns: 11, 12"),), steps=(
        step(press("Step (neuron)", "ArrowRight"), svg_changed(), shows("Output neuron (0, 1)")),
        step(toggle("SAME"), svg_changed(), shows("3 outputs"), shows("left 1 + right 2 = 3 zeros")),
    )),
    Scenario("02_convolutional_layers.ipynb", "cnnlab-conv-geometry-explorer", index=1, steps=(
        step(press("Step (neuron)", "ArrowRight", 2), svg_changed(), shows("Output neuron (0, 2)")),
        step(toggle("VALID"), svg_changed(), shows("Output 3×5")),
    )),
    # 03 · Filters and feature maps: the kernel explorer.
    Scenario("03_filters_and_feature_maps.ipynb", "cnnlab-kernel-explorer", steps=(
        step(select("Kernel", "sobel x"), image_changed(1), shows("3×3 kernel, weights sum to 0")),
        step(type_into("", 2.5, index=0), image_changed(1), shows("weights sum to 3.5")),  # sobel x: -1 becomes 2.5
        step(toggle("red"), image_changed(1)),
        step(select("Kernel", "gabor"), image_changed(1), shows("7×7 kernel")),
        step(press("Angle θ (°)", "ArrowRight", 2), image_changed(1)),
        step(click("Add to stack"), shows("Stacked feature maps")),
        step(upload(DATA / "images" / "parrot.jpg"), image_changed(0), image_changed(1)),
    )),
    # 04 · Memory requirements: the calculator.
    Scenario("04_memory_requirements.ipynb", "cnnlab-memory-calculator",
             initially=(shows("15,200"),), steps=(
        step(type_into("Feature maps", 100), shows("7,600")),
        step(toggle("float16"), shows("2.9 MiB (3,000,000 bytes)")),
        step(press("Stride", "ArrowRight"), shows("75×50×100")),
    )),
    # 05 · Pooling.
    Scenario("05_pooling.ipynb", "cnnlab-pooling-explorer", steps=(
        step(press("Pool size", "ArrowRight"), image_changed(1), shows("200×300 → 66×100")),
        step(toggle("average"), image_changed(1), shows("average pooling")),
        step(check("shift the input one pixel right"), image_changed(0), image_changed(1)),
        step(toggle("2"), shows("6 channels → 3")),
    )),

    # 07 · The best CNN on MNIST: the monitors that ran, the feature-map viewer, the drawing canvas.
    Scenario("07_mnist_cnn.ipynb", "cnnlab-training-monitor", index=1, initially=(shows("epoch 1/1"),), steps=()),
    Scenario("07_mnist_cnn.ipynb", "cnnlab-feature-map-viewer", steps=(
        step(select("Layer", "block2_conv"), image_changed(1), shows("layer block2_conv: 48 maps of 12×12")),
        step(select("Image", "test digit #1 (a 2)"), image_changed(0), image_changed(1)),
    )),
    Scenario("07_mnist_cnn.ipynb", "cnnlab-digit-canvas", steps=(
        step(draw((60, 50), (220, 50), (120, 250)), image_changed(0), shows("The model says")),
        step(draw((70, 150), (170, 150)), image_changed(0), shows("The model says")),
        step(click("Undo"), image_changed(0)),
        step(click("Clear"), image_changed(0), shows("Draw a digit")),
    )),
    # 08 · A pretrained classifier on your photos: choose one, then upload one through the file chooser.
    Scenario("08_pretrained_inception_v3.ipynb", "cnnlab-photo-classifier", steps=(
        step(select("Photo", "owl"), image_changed(0), shows("The network says")),
        step(upload(DATA / "images" / "parrot.jpg"), image_changed(0), shows("macaw")),
    )),
    # 10 · DeepDream: set up a short dream on the high layer (MobileNet 0.25 offline), then Dream.
    Scenario("10_deepdream.ipynb", "cnnlab-deep-dream-explorer", steps=(
        step(select("Layer", "conv_pw_11_relu"), shows("Next dream: conv_pw_11_relu, 3 steps")),
        step(press("Steps", "ArrowLeft", 1), shows("conv_pw_11_relu, 2 steps"), shows("Press Dream"),  # 3 -> 2
             same_picture="only the slider and one digit of the readout move (0.02 % of the pixels); the readout "
                          "says the dream waits for Dream"),
        step(click("Dream"), image_changed(1), shows("loss"), shows("conv_pw_11_relu: loss")),
    )),

    # Exercises 1-6: a wrong answer gets a targeted message or a hint; the right one is accepted.
    Scenario("01_visual_cortex_and_receptive_fields.ipynb", "cnnlab-exercise", steps=(
        step(write("A CNN has fewer parameters."), same_picture=ANSWER_ONLY),
        step(click("Check"), shows("You named 1 of 3 key ideas"), shows("Think about this")),
        step(write("Fewer parameters thanks to weight sharing; a feature learned once is detected anywhere in the "
                   "image; and the architecture has a prior: local patterns are combined into larger ones."),
             same_picture=ANSWER_ONLY),
        step(click("Check"), shows("✓ Right!")),
        step(click("Show model answer"), shows("Far fewer parameters")),
    )),
    Scenario("04_memory_requirements.ipynb", "cnnlab-exercise", index=0, steps=(
        step(type_into("", "902,700", index=0), same_picture=ANSWER_ONLY),
        step(click("Check", 0), shows("✗ Not yet."), shows("you left out the biases")),
        step(type_into("", "1000", index=0), same_picture=ANSWER_ONLY),
        step(click("Check", 0), shows("Hint 1 of 2")),
        step(type_into("", "903,400", index=0), same_picture=ANSWER_ONLY),
        step(click("Check", 0), shows("✓ Right!"), shows("1 of 3 questions right")),
        step(type_into("", "12.6 MB", index=1), same_picture=ANSWER_ONLY),
        step(click("Check", 1), shows("2 of 3 questions right")),
    )),
    Scenario("06_cnn_architectures.ipynb", "cnnlab-exercise", index=0, steps=(
        step(choose("Right before the output layer"), same_picture=ANSWER_ONLY),
        step(click("Check"), shows("✗ Not yet."), shows("softmax activation's job"), shows("Hint 1 of 2")),
        step(choose("In the lower layers"), same_picture=ANSWER_ONLY),
        step(click("Check"), shows("✓ Right!")),
    )),

    # The training monitor's Stop button, clicked while its cell trains: training ends after the
    # current batch, and the next cell (queued by Run All) runs and sees ``monitor.stopped``.
    Scenario("stop_training.ipynb", "cnnlab-training-monitor", while_running=True,
             initially=(shows("epoch 1/10000"),), steps=(
                 step(click("Stop"), shows("stopped after epoch"), page_shows("stopped=True")),
             )),
]

#: The course notebooks the scenarios open (copied into the test's JupyterLab).
NOTEBOOKS = sorted({s.notebook for s in SCENARIOS} - set(TEST_NOTEBOOKS))
