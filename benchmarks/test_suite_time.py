"""How long the test suite makes a contributor wait: set-up, each part of ``make test``, and the whole.

Clones this repository's HEAD into a fresh folder (with ``../shared`` beside it, as CI has it),
then times, one after the other and alone on the machine:

* ``setup``: ``make install`` in the fresh clone (a new venv; pip's cache as it is on this machine);
* ``unit``: ``make test-unit`` (unit tests and doctests);
* ``reliability``: ``make test-reliability``;
* ``slow``: ``make test-slow`` (every way in: whole notebooks in fresh kernels, a fresh venv);
* ``notebooks``: ``make test-notebooks`` (nbval over every notebook);
* ``browser``: ``make test-browser`` (JupyterLab in Chromium);
* ``test``: ``make test`` (all of the above but the set-up, as CI runs it).

The parts run with the workers ``make`` picks (one per core, at most 4). Each part's pytest
summary (passed, failed) is printed with its time; a failing part fails the script.

Usage: python benchmarks/test_suite_time.py [--parts unit,test] [--here]   (the set-up always runs first)
  --here   time the parts in this checkout instead of a fresh clone (its venv as it is).
Last line: ``<part>_s=<seconds>`` for each part, then the cores, and whether the targets of
issue 19 are met (``make test`` with the set-up at most 600 s, ``make test-unit`` at most 180 s).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = {
    "setup": ["make", "install"],
    "unit": ["make", "test-unit"],
    "reliability": ["make", "test-reliability"],
    "slow": ["make", "test-slow"],
    "notebooks": ["make", "test-notebooks"],
    "browser": ["make", "test-browser"],
    "test": ["make", "test"],
}
TARGETS_S = {"setup+test": 600, "unit": 180}


def _clone(into: Path) -> Path:
    """A fresh clone of HEAD in ``into/main``, with ``into/shared`` linked to this checkout's ../shared."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into / "main")], check=True)
    (into / "shared").symlink_to((ROOT.parent / "shared").resolve())
    return into / "main"


def _summary(output: str) -> str:
    """pytest's last line (``N passed, ... in Xs``), or the last line of the output."""
    found = re.findall(r"=+ (.*(?:passed|failed|error).*) =+", output)
    lines = output.strip().splitlines()
    return found[-1] if found else (lines[-1] if lines else "")


def time_part(name: str, checkout: Path, env: dict) -> tuple[float, str]:
    """Run one part in ``checkout``; return its wall-clock seconds and its pytest summary."""
    start = time.perf_counter()
    done = subprocess.run(PARTS[name], cwd=checkout, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{name} ({' '.join(PARTS[name])}) failed after {seconds:.0f} s")
    return seconds, _summary(done.stdout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated, from: " + ", ".join(PARTS))
    parser.add_argument("--here", action="store_true", help="this checkout, not a fresh clone")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    parts = ["setup"] + [p for p in parts if p != "setup"]  # first, so that no other part pays for it
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts: unknown {unknown}; choose from {', '.join(PARTS)}")
    data = (ROOT.parent / "shared" / "data").resolve()
    env = {**os.environ, "CNNLAB_DATA_DIR": str(data), "CNNLAB_QUICK": "1"}
    folder = None if args.here else Path(tempfile.mkdtemp(prefix="cnnlab-suite-time-"))
    checkout = ROOT if args.here else _clone(folder)
    times = {}
    try:
        for name in parts:
            seconds, summary = time_part(name, checkout, env)
            times[name] = seconds
            print(f"{name:12s} {seconds / 60:5.1f} min   {summary}", flush=True)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    figures = [f"{name}_s={seconds:.0f}" for name, seconds in times.items()]
    if "setup" in times and "test" in times:
        total = times["setup"] + times["test"]
        figures.append(f"setup_plus_test_s={total:.0f} setup_plus_test_target_met={total <= TARGETS_S['setup+test']}")
    if "unit" in times:
        figures.append(f"unit_target_met={times['unit'] <= TARGETS_S['unit']}")
    print(" ".join(figures + [f"cores={os.cpu_count()}"]))


if __name__ == "__main__":
    main()
