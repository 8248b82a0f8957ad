"""advisor.memory.release_memory gives the C heap's free pages back to the system."""

from __future__ import annotations

import sys

import pytest

from advisor.memory import release_memory


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_memory_returns_freed_heap_pages():
    # 200 MB of malloc'd blocks (2 KB each: below the mmap threshold), then all freed but
    # the last one, which pins the heap's top: glibc keeps the free pages resident.
    blocks = [bytearray(2048) for _ in range(100_000)]
    for block in blocks:
        block[::512] = b"x" * 4  # touch every page
    pin = blocks[-1]
    del blocks[:-1]
    held = resident_mb()
    release_memory()
    assert held - resident_mb() > 100, "the freed 200 MB should leave the process"
    assert pin[0] == ord("x")
