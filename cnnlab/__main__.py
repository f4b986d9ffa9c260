"""Command line of the course.

``python -m cnnlab fetch [all|mnist|fashion_mnist|photos|pretrained|flowers ...]``
    list what the notebooks need with its sizes, then download what is missing into the cache.
``python -m cnnlab serve DATA_DIR [--port N] [--host H]``
    serve an offline data folder to a classroom (learners set ``CNNLAB_MIRROR_URL``).
``python -m cnnlab info``
    where the course looks for data, and what hardware TensorFlow sees.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download what the notebooks need into the cache (all if none is named)")
    fetch.add_argument("names", nargs="*", help="all, mnist, fashion_mnist, photos, pretrained, flowers (218 MiB)")
    serve = sub.add_parser("serve", help="serve an offline data folder to a classroom")
    serve.add_argument("data_dir", help="the course's offline data folder")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    sub.add_parser("info", help="print where the course looks for data and what hardware TensorFlow sees")
    args = parser.parse_args(argv)

    from cnnlab import _store, config

    try:
        if args.command == "fetch":
            return 1 if _store.fetch(args.names) else 0
        if args.command == "serve":
            from cnnlab import _serve

            _serve.serve(args.data_dir, args.host, args.port)
            return 0
        data = config.data_dir()
        print(f"offline data folder ({config.DATA_DIR_ENV}): "
              + (f"{data}{'' if data.is_dir() else ' (MISSING)'}" if data else "not set"))
        print(f"classroom mirror ({config.MIRROR_URL_ENV}): {config.mirror_url() or 'not set'}")
        print(f"cache ({config.CACHE_DIR_ENV}): {config.cache_dir()}")
        print(f"quick mode: {config.quick()}, offline: {config.offline()}")
    except (ValueError, OSError) as error:  # bad names or settings, unavailable data: one line, no traceback
        print(f"python -m cnnlab {args.command}: {error}", file=sys.stderr)
        return 2
    from cnnlab import device

    device.describe()
    return 0


if __name__ == "__main__":
    sys.exit(main())
