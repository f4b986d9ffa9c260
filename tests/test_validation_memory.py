"""memory_limit(): half the machine's memory, the least of its RAM, its cgroup's limit and ``ulimit -v``.

Fake cgroup files in ``tmp_path`` and a fake ``getrlimit`` stand in for Binder's 2 GB
container, a v1 cgroup with no limit, a host's systemd slice, and so on.
"""

from __future__ import annotations

import pytest

from cnnlab import _validation
from cnnlab._validation import (
    _address_space_limit,
    _cgroup_memory_files,
    _cgroup_memory_limit,
    _machine_memory,
    check_memory,
    memory_limit,
)

GiB = 2**30
V1_NO_LIMIT = "9223372036854771712"  # what cgroup v1 writes when no limit is set
NO_RLIMIT = -1  # resource.RLIM_INFINITY on Linux


def cgroup_file(tmp_path, relative: str, text: str) -> str:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def rlimit(soft):
    calls = []

    def getrlimit(which):
        calls.append(which)
        return soft, NO_RLIMIT

    getrlimit.calls = calls
    return getrlimit


@pytest.mark.parametrize("text, expected", [
    ("2147483648\n", 2 * GiB),        # cgroup v2, Binder's 2 GB
    ("max\n", None),                  # cgroup v2, no limit
    (V1_NO_LIMIT + "\n", None),       # cgroup v1, no limit
    ("0\n", None),                    # nonsense: ignored, not "no memory at all"
    ("not a number", None),
    ("", None),
])
def test_one_cgroup_file(tmp_path, text, expected):
    assert _cgroup_memory_limit([cgroup_file(tmp_path, "memory.max", text)]) == expected


def test_the_tightest_readable_cgroup_limit_wins(tmp_path):
    files = [str(tmp_path / "missing" / "memory.max"),
             cgroup_file(tmp_path, "memory/memory.limit_in_bytes", V1_NO_LIMIT),
             cgroup_file(tmp_path, "memory/slice/memory.limit_in_bytes", str(3 * GiB)),
             cgroup_file(tmp_path, "memory.max", str(5 * GiB))]
    assert _cgroup_memory_limit(files) == 3 * GiB
    assert _cgroup_memory_limit([]) is None


def test_an_unreadable_cgroup_file_is_skipped(tmp_path):
    folder = tmp_path / "memory.max"
    folder.mkdir()  # reading a folder fails
    assert _cgroup_memory_limit([str(folder), cgroup_file(tmp_path, "v1", str(GiB))]) == GiB


def test_the_files_of_the_process_own_cgroup_are_read_too(tmp_path):
    self_cgroup = cgroup_file(tmp_path, "proc/self/cgroup",
                              "12:cpu,cpuacct:/ignored\n4:memory:/docker/abc\n0::/user.slice/session-1.scope\n")
    root = str(tmp_path / "sys")
    assert _cgroup_memory_files(root, self_cgroup) == [
        f"{root}/memory.max", f"{root}/memory/memory.limit_in_bytes",
        f"{root}/memory/docker/abc/memory.limit_in_bytes", f"{root}/user.slice/session-1.scope/memory.max"]
    # At the root of a cgroup namespace ("0::/"), only the root files.
    assert _cgroup_memory_files(root, cgroup_file(tmp_path, "ns", "0::/\n")) == [
        f"{root}/memory.max", f"{root}/memory/memory.limit_in_bytes"]
    assert len(_cgroup_memory_files(root, str(tmp_path / "no-such-file"))) == 2


def test_address_space_limit():
    import resource

    fake = rlimit(3 * GiB)
    assert _address_space_limit(fake) == 3 * GiB
    assert fake.calls == [resource.RLIMIT_AS]
    assert _address_space_limit(rlimit(NO_RLIMIT)) is None
    assert _address_space_limit(rlimit(2**63 - 1)) is None  # RLIM_INFINITY on macOS

    def broken(which):
        raise OSError("no such limit")

    assert _address_space_limit(broken) is None
    assert _address_space_limit() in (None, resource.getrlimit(resource.RLIMIT_AS)[0])


def test_machine_memory_is_the_least_of_the_three(tmp_path):
    ram = lambda: 16 * GiB  # noqa: E731
    binder = [cgroup_file(tmp_path, "memory.max", str(2 * GiB))]
    assert _machine_memory(physical=ram, cgroup_files=binder, getrlimit=rlimit(NO_RLIMIT)) == 2 * GiB
    assert _machine_memory(physical=ram, cgroup_files=binder, getrlimit=rlimit(GiB)) == GiB
    assert _machine_memory(physical=ram, cgroup_files=[], getrlimit=rlimit(NO_RLIMIT)) == 16 * GiB
    unlimited = [cgroup_file(tmp_path, "v1", V1_NO_LIMIT)]
    assert _machine_memory(physical=lambda: None, cgroup_files=unlimited, getrlimit=rlimit(NO_RLIMIT)) is None
    assert _machine_memory(physical=lambda: None, cgroup_files=binder, getrlimit=rlimit(NO_RLIMIT)) == 2 * GiB


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """Make memory_limit() see a machine with the given RAM, cgroup file text and address-space limit."""

    def make(ram, cgroup_text=None, soft=NO_RLIMIT):
        files = [cgroup_file(tmp_path, "memory.max", cgroup_text)] if cgroup_text is not None else []
        monkeypatch.setattr(_validation, "_physical_memory", lambda: ram)
        monkeypatch.setattr(_validation, "_cgroup_memory_files", lambda: files)
        fake = rlimit(soft)
        real = _validation._address_space_limit
        monkeypatch.setattr(_validation, "_address_space_limit", lambda getrlimit=None: real(getrlimit or fake))

    return make


def test_memory_limit_on_binder_is_half_the_container(machine):
    machine(ram=64 * GiB, cgroup_text=str(2 * GiB))
    assert memory_limit() == GiB
    with pytest.raises(ValueError, match=r"x would need about 1\.5 GiB .* more than the 1\.0 GiB allowed"):
        check_memory("x", int(1.5 * GiB))
    assert check_memory("x", GiB // 2) == GiB // 2


def test_memory_limit_without_a_cgroup_limit_is_capped_at_4_gib(machine):
    machine(ram=64 * GiB, cgroup_text="max")
    assert memory_limit() == 4 * GiB
    machine(ram=6 * GiB, cgroup_text=V1_NO_LIMIT)
    assert memory_limit() == 3 * GiB


def test_memory_limit_under_ulimit_v(machine):
    machine(ram=64 * GiB, cgroup_text="max", soft=3 * GiB)
    assert memory_limit() == 3 * GiB // 2


def test_memory_limit_when_nothing_can_be_read_is_4_gib(machine):
    machine(ram=None)
    assert memory_limit() == 4 * GiB


def test_memory_limit_here_is_within_what_this_machine_has():
    assert 0 < memory_limit() <= 4 * GiB
    assert memory_limit() <= _machine_memory() // 2 + 1


# ----------------------------------------------------------------------------- the message's byte counts


def test_check_memory_writes_bytes_as_memory_format_bytes_does(monkeypatch):
    """One way to write bytes: the refusal's text is memory.format_bytes' (patched here to tell them apart)."""
    from cnnlab import memory

    message = r"^size=100000 would need about 37\.3 GiB \(40,000,000,000 bytes\) of memory, more than the " \
              r"1\.0 GiB allowed for one request \(memory_limit\(\)\)\. Use a smaller size\.$"
    with pytest.raises(ValueError, match=message):
        check_memory("size=100000", 4 * 10**10, limit=GiB, fix="Use a smaller size.")
    assert not hasattr(_validation, "format_nbytes")
    monkeypatch.setattr(memory, "format_bytes", lambda n: f"<{n}>")
    with pytest.raises(ValueError, match=r"about <40000000000> \(40,000,000,000 bytes\) .* the <1073741824> allowed"):
        check_memory("size=100000", 4 * 10**10, limit=GiB)


def test_check_memory_refuses_infinitely_many_bytes():
    with pytest.raises(ValueError, match=r"^x would need infinitely many bytes of memory, more than the 1\.0 GiB"):
        check_memory("x", float("inf"), limit=GiB)
