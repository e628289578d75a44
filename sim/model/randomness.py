"""Named random streams: one per source of randomness.

Each stream is derived from (base seed, replication, the stream's name), never from its
position in a list, so adding a stream moves no other and a replication can run anywhere.
"""

from __future__ import annotations

import zlib

import numpy as np


def stable_id(name: str) -> int:
    """A 32-bit number for a name that is the same in every process and Python version."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for one named source of randomness in one replication."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stable_id(name)))
    return np.random.Generator(np.random.PCG64(ss))


class Uniforms:
    """Uniform draws served one at a time from blocks (a scalar numpy draw costs ~0.5 us,
    one from a block ~0.05 us)."""

    __slots__ = ("_buf", "_gen", "_i", "_n")

    def __init__(self, gen: np.random.Generator, block: int = 4096) -> None:
        self._gen = gen
        self._n = block
        self._buf = gen.random(block).tolist()
        self._i = 0

    def __call__(self) -> float:
        if self._i == self._n:
            self._buf = self._gen.random(self._n).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u
