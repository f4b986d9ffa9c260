"""The README's map of the package names every module there is, and no module that is gone (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _package_map() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The package\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```\n(.*?)```", section, flags=re.S).group(1)


def test_the_map_names_every_module_and_subpackage():
    shown = _package_map()
    modules = sorted(p.name for p in (ROOT / "cnnlab").glob("*.py") if p.name != "__init__.py")
    packages = sorted(p.name + "/" for p in (ROOT / "cnnlab").iterdir() if (p / "__init__.py").is_file())
    missing = [name for name in modules + packages if not re.search(rf"(?<![\w/]){re.escape(name)}", shown)]
    assert not missing, f"README's package map does not name {missing}"


def test_the_map_names_no_module_that_is_gone():
    named = set(re.findall(r"(?<![\w/.])(_{0,2}[a-z][a-z0-9_]*\.py)\b", _package_map()))
    gone = sorted(name for name in named if not (ROOT / "cnnlab" / name).is_file())
    assert not gone, f"README's package map names modules that do not exist: {gone}"
