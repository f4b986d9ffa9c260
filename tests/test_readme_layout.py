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


def _contributing_index() -> dict[str, list[str]]:
    """CONTRIBUTING's table of modules tested with another's face: {module path: [test files]}."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("\n## Where a module's tests are\n", 1)[1].split("\n## ", 1)[0]
    index = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) == 4 and cells[1].strip().startswith("`"):
            for module in re.findall(r"`([\w/]+\.py)`", cells[1]):
                index[module] = re.findall(r"`(tests/[\w/]+\.py)`", cells[2])
    return index


def _own_test_file(module: Path) -> Path:
    stem = module.stem.lstrip("_")
    prefix = {"widgets": "test_widget_", "models": "test_models_"}.get(module.parent.name, "test_")
    return ROOT / "tests" / f"{prefix}{stem}.py"


def test_every_modules_tests_are_found_from_the_module():
    """tests/test_<module>.py, or CONTRIBUTING's table, whose files exist and name the module they test."""
    index = _contributing_index()
    modules = sorted(p.relative_to(ROOT / "cnnlab").as_posix() for p in (ROOT / "cnnlab").rglob("*.py")
                     if p.name != "__init__.py")
    unfound = [m for m in modules if not _own_test_file(ROOT / "cnnlab" / m).is_file() and not index.get(m)]
    assert not unfound, f"no tests/test_<module>.py and no row in CONTRIBUTING's table for {unfound}"
    stale = sorted(set(index) - set(modules))
    assert not stale, f"CONTRIBUTING's table names modules that do not exist: {stale}"
    for module, files in index.items():
        stem = Path(module).stem
        for name in files:
            path = ROOT / name
            assert path.is_file(), f"CONTRIBUTING's table: {module}'s tests {name} does not exist"
            assert re.search(rf"\b{re.escape(stem)}\b", path.read_text(encoding="utf-8")), \
                f"CONTRIBUTING's table: {name} does not mention {module}"
