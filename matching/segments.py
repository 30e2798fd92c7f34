"""Segments of sorted arrays: the pairs of a household, the trips of a child, the units of a
class. Vectorised helpers that every part of the engine shares."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def concatenated_ranges(
    starts: npt.NDArray[np.integer[Any]],
    counts: npt.NDArray[np.integer[Any]],
    *,
    dtype: type[np.signedinteger[Any]] = np.int64,
) -> npt.NDArray[np.signedinteger[Any]]:
    """`concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`, without the loop."""
    offset = np.cumsum(counts) - counts
    ranges: npt.NDArray[np.signedinteger[Any]] = np.repeat(
        np.asarray(starts) - offset, counts
    ).astype(dtype, copy=False)
    ranges += np.arange(len(ranges), dtype=dtype)
    return ranges


def find_in_segments(
    values: npt.NDArray[np.integer[Any]], *, starts: IntArray, stops: IntArray, targets: IntArray
) -> IntArray:
    """Per query, where `targets[i]` is in the sorted `values[starts[i]:stops[i]]`, or -1.

    A binary search for all queries at once: a few vectorised steps per halving, where one
    search over a key of every pair would first have to build that key (tens of millions).
    """
    low = starts.astype(np.int64, copy=True)
    high = stops.astype(np.int64, copy=True)
    last = max(len(values) - 1, 0)
    searching = low < high
    while searching.any():
        middle = (low + high) // 2
        below = values[np.minimum(middle, last)] < targets
        low = np.where(searching & below, middle + 1, low)
        high = np.where(searching & ~below, middle, high)
        searching = low < high
    found = np.full(len(targets), -1, dtype=np.int64)
    if not len(values):
        return found
    hit = (low < stops) & (values[np.minimum(low, last)] == targets)
    found[hit] = low[hit]
    return found


def sorted_by_group(*, group: IntArray, key: npt.NDArray[np.signedinteger]) -> IntArray:
    """The order that sorts by group, then key, then position (like a stable lexsort).

    Packs (group, key, position) into one int64 and sorts values, not indices: NumPy's value
    sort is several times faster than an argsort of the same array.
    """
    n = len(group)
    if not n:
        return np.zeros(0, dtype=np.int64)
    low = int(key.min())
    key_bits = max(int(key.max()) - low, 1).bit_length()
    position_bits = max(n - 1, 1).bit_length()
    group_bits = max(int(group.max()), 1).bit_length()
    if group_bits + key_bits + position_bits > 63:
        return np.lexsort((np.arange(n), key, group)).astype(np.int64)
    packed = group.astype(np.int64) << (key_bits + position_bits)
    packed |= (key.astype(np.int64) - low) << position_bits
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << position_bits) - 1)
