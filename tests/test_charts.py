"""cnnlab.charts: the figures that judge a model, drawn from the data the domain modules compute.

Their faces (evaluation.confusion_matrix_plot and misclassified_gallery, transfer.plot_phases) are
tested in tests/test_evaluation.py and tests/test_transfer.py; the look of every figure in
tests/test_plotting_look.py; bad input in tests/reliability/test_bad_input.py.
"""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import charts, evaluation, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def course_style():
    with matplotlib.rc_context():
        plotting.setup()
        yield
    plt.close("all")


def png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_confusion_cells_hold_the_counts_in_white_on_dark_cells():
    fig = charts.plot_confusion([[8, 2], [1, 9]], ["cat", "dog"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["8", "2", "1", "9"]
    assert [t.get_color() for t in ax.texts] == ["white", "black", "black", "white"]  # above half of 9: white
    assert ax.get_title() == "Confusion matrix (accuracy 85.0%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert fig.axes[1].get_ylabel() == "images"


def test_normalized_confusion_colours_rows_by_their_fractions():
    fig = charts.plot_confusion([[3, 1], [0, 0]], normalize=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "0.00"]
    assert ax.images[0].get_clim() == (0, 1)
    assert ax.get_title().endswith(", rows sum to 1)") and fig.axes[1].get_ylabel() == "fraction of the true class"


def test_the_face_counts_and_charts_draws_the_same_figure():
    y_true, y_pred = [0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1]
    face = png(evaluation.confusion_matrix_plot(y_true, y_pred, class_names=["a", "b", "c"], normalize=True))
    direct = png(charts.plot_confusion(evaluation.confusion_matrix(y_true, y_pred), ["a", "b", "c"], normalize=True))
    assert face == direct


def test_confusion_refuses_fractions_and_a_wrong_number_of_names():
    with pytest.raises(ValueError, match="not fractions"):
        charts.plot_confusion([[0.5, 0.5], [0.25, 0.75]])
    with pytest.raises(ValueError, match="class_names has 3 entries for a 2×2 matrix"):
        charts.plot_confusion([[1, 0], [0, 1]], ["a", "b", "c"])


def test_mistakes_are_captioned_in_order_and_a_channel_axis_of_one_is_dropped():
    images = [np.zeros((4, 4, 1)), np.ones((4, 4, 3))]
    fig = charts.show_mistakes(images, ["7 → 1 (p=0.90)", "cat → dog (p=0.60)"], title="2 of 5 images misclassified",
                               cols=5)
    assert [ax.get_title() for ax in fig.axes] == ["7 → 1 (p=0.90)", "cat → dog (p=0.60)"]
    assert fig.axes[0].images[0].get_array().shape == (4, 4) and fig.axes[0].images[0].get_cmap().name == "gray"
    assert fig.get_suptitle() == "2 of 5 images misclassified"
    assert fig.get_size_inches().tolist() == [4.0, 2.6]  # two columns, not five


def test_no_mistakes_says_so():
    fig = charts.show_mistakes([], [], title="0 of 3 images misclassified")
    assert [t.get_text() for t in fig.axes[0].texts] == ["no mistakes"]
    with pytest.raises(ValueError, match="captions has 0 entries for 1 images"):
        charts.show_mistakes([np.zeros((2, 2))], [], title="t")


@pytest.mark.filterwarnings("ignore:No artists with labels found")  # the accuracy axes: no accuracy logged
def test_history_runs_the_phases_end_to_end_with_a_marker_where_the_second_begins():
    fig = charts.plot_history([("head", {"loss": [1.0, 0.8], "val_loss": [1.1, 0.9]}),
                               ("fine-tuning", {"loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, 0.5]})])
    loss = fig.axes[0]
    training, validation, marker = loss.lines
    assert training.get_xdata().tolist() == [1, 2, 3, 4, 5] and training.get_ydata().tolist() == [1.0, 0.8, 0.5, 0.4, 0.3]
    assert validation.get_label() == "validation loss" and validation.get_linestyle() == "--"
    assert list(marker.get_xdata()) == [2.5, 2.5] and [t.get_text() for t in loss.texts] == ["fine-tuning"]
    assert fig.axes[1].get_title() == "accuracy" and len(fig.axes[1].lines) == 1  # the marker, no curve


def test_one_history_dict_is_one_phase():
    fig = charts.plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]})
    assert [len(ax.lines) for ax in fig.axes] == [1, 1] and not fig.axes[0].texts
