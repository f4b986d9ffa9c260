"""The package imports fast and lazily (cnnlab/_lazy.py): no TensorFlow, matplotlib or widgets at `import cnnlab`."""

import json
import subprocess
import sys

import pytest

HEAVY = ["tensorflow", "keras", "matplotlib", "ipywidgets", "PIL", "sklearn", "tqdm"]


def _modules_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_cnnlab_loads_no_heavy_module():
    loaded = _modules_after("import cnnlab")
    assert not [m for m in HEAVY if m in loaded]


@pytest.mark.parametrize("module", ["cnnlab.config", "cnnlab.datasets", "cnnlab.images", "cnnlab.course", "cnnlab.plotting", "cnnlab.charts", "cnnlab.ops", "cnnlab.kernels", "cnnlab.memory", "cnnlab.evaluation", "cnnlab.models", "cnnlab.digits",
                                    "cnnlab.widgets", "cnnlab.device", "cnnlab.pretrained", "cnnlab.preprocessing", "cnnlab.checks",
                                    "cnnlab.exercises", "cnnlab.widgets.questions"])
def test_ground_floor_and_lazy_modules_do_not_import_tensorflow(module):
    loaded = _modules_after(f"import {module}")
    assert "tensorflow" not in loaded and "keras" not in loaded


def test_submodules_load_on_attribute_access():
    import cnnlab

    assert cnnlab.datasets.load_mnist is not None
    assert "datasets" in dir(cnnlab)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        cnnlab.nonexistent  # noqa: B018


def test_widgets_load_on_attribute_access():
    from cnnlab import widgets

    assert widgets.DatasetBrowser.__name__ == "DatasetBrowser"
    with pytest.raises(AttributeError):
        widgets.NoSuchWidget  # noqa: B018


def test_command_line_help_and_bad_dataset_name():
    ok = subprocess.run([sys.executable, "-m", "cnnlab", "--help"], capture_output=True, text=True)
    assert ok.returncode == 0 and "fetch" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "cnnlab", "fetch", "cifar"], capture_output=True, text=True)
    assert bad.returncode != 0 and "name must be one of 'mnist', 'fashion_mnist'" in bad.stderr


def test_model_builders_are_not_hidden_by_their_modules():
    """cnnlab.models.googlenet and .resnet name both a module and a function; the function wins."""
    code = ("from cnnlab import models\nmodels.inception_module\nmodels.residual_unit\n"
            "print(callable(models.googlenet), callable(models.resnet), models.googlenet.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == "True True googlenet"


def test_a_builder_is_not_hidden_by_its_submodule_of_the_same_name():
    """``import cnnlab.models.googlenet`` binds the submodule on the package; models.googlenet stays the builder."""
    code = ("import cnnlab.models.googlenet, cnnlab.models.resnet\n"
            "from cnnlab import models\n"
            "print(callable(models.googlenet), type(models.googlenet).__name__, callable(models.resnet))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.stdout.split() == ["True", "function", "True"], result.stdout + result.stderr
