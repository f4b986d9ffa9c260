"""Command line: ``python -m cnnlab fetch [mnist] [fashion_mnist] [flowers]`` fills the cache for offline use."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download data sets into the cache (all of them if none is named)")
    fetch.add_argument("names", nargs="*", help="mnist, fashion_mnist, flowers (218 MiB)")
    sub.add_parser("info", help="print where the course looks for data and what hardware TensorFlow sees")
    args = parser.parse_args(argv)

    from cnnlab import config

    if args.command == "fetch":
        from cnnlab import datasets

        datasets.fetch(*args.names)
        print(f"cached in {config.cache_dir()}")
        return 0
    print(f"data folder ({config.DATA_DIR_ENV}): {config.data_dir()}")
    print(f"cache folder: {config.cache_dir()}")
    print(f"quick mode: {config.quick()}, offline: {config.offline()}")
    from cnnlab import device

    device.describe()
    return 0


if __name__ == "__main__":
    sys.exit(main())
