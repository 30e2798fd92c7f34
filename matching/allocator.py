"""Keep the memory of large temporary arrays in the heap while the engine runs.

A run allocates and frees arrays of millions of elements many times over (candidate blocks,
costs, pricing rounds). With glibc's defaults, blocks from 128 KiB up come from a fresh `mmap`
(the threshold only rises as such blocks are freed) and free memory at the heap top above
128 KiB goes back to the kernel, so every new array page-faults its memory in again and the
kernel zeroes it: at 10,000 households that was 1.4–1.9 s of the run's kernel time. Serving
blocks up to 32 MiB (glibc's maximum) from the heap and trimming only above 1 GiB roughly halves
it (measured: 1.48–1.92 → 0.99–1.05 s kernel time; peak RSS 1.65 → 1.79 GB; BENCHMARKS.md).

The setting is process-wide, so it is held only while a solve runs (counted, for solves in
parallel threads): afterwards glibc's fixed defaults (128 KiB for both) come back and
`malloc_trim` hands the freed memory to the kernel. Elsewhere than glibc on Linux it does
nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import platform
import threading
from collections.abc import Iterator
from typing import Any

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit platforms.
_RUN_MMAP_THRESHOLD = 32 << 20
_RUN_TRIM_THRESHOLD = 1 << 30
# glibc's documented defaults.
_DEFAULT_THRESHOLD = 128 << 10

_lock = threading.Lock()
_active_runs = 0


def _glibc() -> Any | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    library.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    library.mallopt.restype = ctypes.c_int
    library.malloc_trim.argtypes = [ctypes.c_size_t]
    library.malloc_trim.restype = ctypes.c_int
    return library


_libc = _glibc()


@contextlib.contextmanager
def large_array_heap() -> Iterator[None]:
    """Serve and keep large blocks from the heap inside the block; restore and trim after."""
    global _active_runs
    if _libc is None:
        yield
        return
    with _lock:
        if _active_runs == 0:
            _libc.mallopt(_M_MMAP_THRESHOLD, _RUN_MMAP_THRESHOLD)
            _libc.mallopt(_M_TRIM_THRESHOLD, _RUN_TRIM_THRESHOLD)
        _active_runs += 1
    try:
        yield
    finally:
        with _lock:
            _active_runs -= 1
            if _active_runs == 0:
                _libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
                _libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
                _libc.malloc_trim(0)
