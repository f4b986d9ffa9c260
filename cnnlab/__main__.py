"""Command line of the course.

``python -m cnnlab fetch [all|mnist|fashion_mnist|photos|pretrained|flowers ...]``
    list what the notebooks need with its sizes, then download what is missing into the cache.
``python -m cnnlab serve DATA_DIR [--port N] [--host H]``
    serve an offline data folder to a classroom (learners set ``CNNLAB_MIRROR_URL``).
``python -m cnnlab info``
    where the course looks for data, and what hardware TensorFlow sees.

Every mistake (an unknown name, a bad setting, a folder that is not there, a
port that cannot be used) is one line on stderr naming it, and exit status 2;
never a traceback.
"""

from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (argparse prints the usage too)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `python -m cnnlab --help`)\n")


def _port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535.

    Examples
    --------
    >>> _port("8765")
    8765
    >>> _port("99999")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a number from 0 to 65535 (0: any free port), received '99999'
    """
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 65535 (0: any free port), "
                                         f"received {text!r:.40}")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cnnlab", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fetch = sub.add_parser("fetch", help="download what the notebooks need into the cache (all if none is named)")
    fetch.add_argument("names", nargs="*", help="all, mnist, fashion_mnist, photos, pretrained, flowers (218 MiB)")
    serve = sub.add_parser("serve", help="serve an offline data folder to a classroom")
    serve.add_argument("data_dir", help="the course's offline data folder")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765; 0: any free one)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    sub.add_parser("info", help="print where the course looks for data and what hardware TensorFlow sees")
    return parser


def _check_settings(cache: bool = True) -> None:
    """Read every setting once, so a bad one is reported before any work (a ValueError naming it)."""
    from cnnlab import _store, config

    config.quick(), config.offline(), config.mirror_url(), config.data_dir()
    problem = _store.cache_dir_problem() if cache else ""
    if problem:
        raise ValueError(problem)


def _serve(data_dir: str, host: str, port: int) -> None:
    from cnnlab import _serve

    try:
        _serve.serve(data_dir, host, port)
    except OSError as error:  # the address is taken, not this machine's, or needs more rights
        reason = error.strerror or str(error)
        raise ValueError(f"cannot listen on --host {host!r:.80} --port {port}: {reason}; choose another --port "
                         "(or 0 for any free one) or --host (127.0.0.1 for this machine only).") from None


def _info() -> None:
    from cnnlab import _store, config

    quick, offline = config.quick(), config.offline()  # a bad value is the one line, before any other
    data = config.data_dir()
    print(f"offline data folder ({config.DATA_DIR_ENV}): "
          + (f"{data}{'' if data.is_dir() else ' (MISSING)'}" if data else "not set"))
    print(f"classroom mirror ({config.MIRROR_URL_ENV}): {config.mirror_url() or 'not set'}")
    problem = _store.cache_dir_problem()
    print(f"cache ({config.CACHE_DIR_ENV}): {config.cache_dir()}" + (f" (UNUSABLE: {problem})" if problem else ""))
    print(f"quick mode: {quick}, offline: {offline}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 done, 1 files still missing, 2 a mistake)."""
    args = _parser().parse_args(argv)

    from cnnlab import _store

    try:
        if args.command == "fetch":
            _check_settings()
            return 1 if _store.fetch(args.names) else 0
        if args.command == "serve":
            _check_settings(cache=False)  # a mirror reads only DATA_DIR
            _serve(args.data_dir, args.host, args.port)
            return 0
        _info()
    except (ValueError, OSError) as error:  # bad names or settings, unavailable data: one line, no traceback
        message = " ".join(str(error).split())
        print(f"python -m cnnlab {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"python -m cnnlab {args.command}: interrupted", file=sys.stderr)
        return 130
    from cnnlab import device

    device.describe()
    return 0


if __name__ == "__main__":
    sys.exit(main())
