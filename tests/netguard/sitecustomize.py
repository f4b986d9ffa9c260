"""Loaded by every Python process the tests start with this folder on PYTHONPATH (kernels, the CLI).

It gives them the same guard as tests/conftest.py: any connection, or name lookup, of an address
outside this machine fails at once, so a test can never reach the internet, even from a kernel.
"""

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not isinstance(address, (str, bytes)) and not _is_local(address[0]):
        raise OSError(f"tests may not use the network: connection to {address!r} refused")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        raise socket.gaierror(socket.EAI_NONAME, f"tests may not use the network: no name lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.getaddrinfo = _guarded_getaddrinfo
