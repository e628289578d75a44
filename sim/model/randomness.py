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


# splitmix64's constants (Steele, Lea and Flood 2014): a mixer that passes BigCrush
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


class Keyed:
    """Uniforms addressed by (key, round, column) instead of drawn in sequence.

    A stream hands out numbers in order, so whoever draws first changes what the next one
    gets. A child who comes back is not in a fixed place in any order (whether and when
    they return depends on the scenario), so their draws are addressed by who they are:
    ``uniforms(keys, round, cols)`` is a pure function of (seed, replication, name, key,
    round, column) — counter-based, as Philox is, here with splitmix64's mixer — and two
    scenarios give the same child the same numbers whatever else either draws.
    """

    __slots__ = ("_base",)

    def __init__(self, seed: int, replication: int, name: str) -> None:
        ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stable_id(name)))
        self._base = ss.generate_state(1, np.uint64)[0]

    def uniforms(self, keys: np.ndarray, round_: int, cols: int) -> np.ndarray:
        """A (len(keys), cols) array of uniforms in [0, 1) for ``keys`` (non-negative
        integers) in round ``round_``."""
        k = np.asarray(keys, dtype=np.uint64)
        with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
            h = _mix(_mix(k * _GOLDEN + self._base) + np.uint64(round_) * _GOLDEN)
            c = (np.arange(cols, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
            z = _mix(h[:, None] ^ c[None, :])
        return (z >> _S11).astype(np.float64) * 2.0 ** -53
