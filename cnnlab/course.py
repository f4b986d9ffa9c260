"""The course map: every chapter notebook, its objectives, time and prerequisites.

One table, :data:`CHAPTERS`, is the source of truth for ``00_start_here``'s
map and for the links between notebooks; a test checks that every notebook
in ``notebooks/`` is listed and every listed file that exists is linked.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from ._validation import check_folder

__all__ = ["Chapter", "CHAPTERS", "course_map", "chapter", "notebooks_dir"]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course."""

    number: int
    file: str
    title: str
    objectives: tuple[str, ...]
    minutes: int
    prerequisites: tuple[int, ...] = ()
    exercises: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not _is_int(self.number) or self.number < 0:
            raise ValueError(f"number must be a non-negative integer, received number={self.number!r}.")
        if not isinstance(self.file, str) or not self.file.endswith(".ipynb"):
            raise ValueError(f"file must be a notebook file name ending in .ipynb, received file={self.file!r}.")
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty string, received title={self.title!r}.")
        if not isinstance(self.objectives, tuple) or not all(isinstance(o, str) and o for o in self.objectives):
            raise ValueError(f"objectives must be a tuple of strings, received objectives={self.objectives!r}.")
        if not _is_int(self.minutes) or self.minutes < 1:
            raise ValueError(f"minutes must be a positive integer, received minutes={self.minutes!r}.")
        for label in ("prerequisites", "exercises"):
            value = getattr(self, label)
            if not isinstance(value, tuple) or not all(_is_int(n) and n >= 0 for n in value):
                raise ValueError(f"{label} must be a tuple of non-negative integers, received {label}={value!r}.")


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(0, "00_start_here.ipynb", "Start here",
            ("check that the environment and the data work", "see an image as a grid of numbers with a label"),
            10),
    Chapter(1, "01_visual_cortex_and_receptive_fields.ipynb", "The visual cortex and receptive fields",
            ("explain local receptive fields", "compute why fully connected layers do not scale to images"),
            25, (0,), (1,)),
    Chapter(2, "02_convolutional_layers.ipynb", "Convolutional layers",
            ("compute a convolution by hand (Equation 13-1)", "predict output sizes for padding and stride",
             "match numpy, tf.nn.conv2d and keras.layers.Conv2D"),
            45, (1,)),
    Chapter(3, "03_filters_and_feature_maps.ipynb", "Filters and feature maps",
            ("read what a filter detects from its numbers", "stack feature maps and colour channels",
             "watch a network learn a kernel"),
            40, (2,)),
    Chapter(4, "04_memory_requirements.ipynb", "Memory requirements",
            ("count parameters, multiplications and RAM of a layer", "pick remedies when a GPU runs out of memory"),
            30, (2,), (2, 3)),
    Chapter(5, "05_pooling.ipynb", "Pooling",
            ("apply max, average, depthwise and global average pooling", "see pooling's small translation invariance"),
            30, (2,), (4,)),
    Chapter(6, "06_cnn_architectures.ipynb", "CNN architectures",
            ("build LeNet-5, AlexNet, GoogLeNet and ResNet", "compare their parameter counts with the papers"),
            60, (3, 4, 5), (5, 6)),
    Chapter(7, "07_mnist_cnn.ipynb", "Exercise 7: the best CNN on MNIST",
            ("train and tune a CNN to over 99.4% test accuracy", "inspect what the network learned"),
            60, (6,), (7,)),
    Chapter(8, "08_pretrained_inception_v3.ipynb",
            "Exercise 8: a pretrained classifier on your photos (Inception v3 where it can be had)",
            ("classify your own photos with an ImageNet model", "see where a pretrained model fails"),
            30, (6,), (8,)),
    Chapter(9, "09_transfer_learning_flowers.ipynb", "Exercise 9: transfer learning on flowers",
            ("reuse a pretrained base for a new task", "fine-tune its top layers"),
            60, (8,), (9,)),
    Chapter(10, "10_deepdream.ipynb", "Exercise 10: DeepDream",
            ("run gradient ascent on an image", "see which layers make which patterns"),
            30, (8,), (10,)),
)


def notebooks_dir() -> Path:
    """The ``notebooks/`` folder of a source checkout (beside the package)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def chapter(number: int) -> Chapter:
    """Return the chapter with this number.

    Examples
    --------
    >>> chapter(2).title
    'Convolutional layers'
    """
    if _is_int(number):
        for entry in CHAPTERS:
            if entry.number == number:
                return entry
    raise ValueError(f"number must be a chapter number 0-{len(CHAPTERS) - 1}, received number={number!r}.")


class _Html(str):
    """A string that Jupyter renders as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def course_map(folder: str | Path | None = None) -> _Html:
    """The course map as an HTML table: link, objectives, time, prerequisites.

    Notebooks not yet in ``folder`` are listed without a link and marked
    "in preparation", so the map never holds a dead link.

    Examples
    --------
    >>> "Start here" in course_map()
    True
    """
    if folder is not None and not isinstance(folder, (str, os.PathLike)):
        raise ValueError(f"folder must be a path (str or pathlib.Path) or None, received folder={folder!r}.")
    # a file, a name too long, a missing folder: one ValueError naming folder (not a raw OSError)
    folder = check_folder(folder, "folder") if folder is not None else notebooks_dir()
    rows = []
    for entry in CHAPTERS:
        name = f"{entry.number:02d}. {html.escape(entry.title)}"
        if (folder / entry.file).exists():
            cell = f'<a href="{html.escape(entry.file)}">{name}</a>'
        else:
            cell = f"{name} <i>(in preparation)</i>"
        objectives = "; ".join(html.escape(o) for o in entry.objectives)
        needs = ", ".join(f"{n:02d}" for n in entry.prerequisites) or "none"
        exercises = ", ".join(str(n) for n in entry.exercises) or "-"
        rows.append(
            f"<tr><td style='text-align:left'>{cell}</td><td style='text-align:left'>{objectives}</td>"
            f"<td>{entry.minutes} min</td><td>{needs}</td><td>{exercises}</td></tr>"
        )
    head = "<tr><th>Notebook</th><th>You will</th><th>Time</th><th>Needs</th><th>Exercises</th></tr>"
    return _Html(f"<table>{head}{''.join(rows)}</table>")
