"""Re-execute notebooks top to bottom and save them with their outputs.

Usage: python tools/run_notebooks.py notebooks/*.ipynb   (``make notebooks``)

Outputs come from a normal-mode run (CNNLAB_QUICK=0) so the committed
notebooks read well on GitHub. Widget state is not saved (it breaks GitHub's
rendering and is stale anyway), and per-cell execution timings are dropped so
that re-running an unchanged notebook gives an unchanged file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove saved widget state and execution timings from a notebook."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    return nb


def run(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    client.execute()
    nbformat.write(strip(nb), path)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--strip-only", action="store_true", help="only remove widget state and timings")
    args = parser.parse_args(argv)
    if not args.strip_only and os.environ.get("CNNLAB_QUICK", "0") not in ("", "0"):
        print("refusing to save outputs from quick mode: run with CNNLAB_QUICK=0", file=sys.stderr)
        return 2
    for path in args.notebooks:
        if args.strip_only:
            nbformat.write(strip(nbformat.read(path, as_version=4)), path)
            print(f"stripped {path}")
        else:
            seconds = run(path, args.timeout)
            print(f"ran {path} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
