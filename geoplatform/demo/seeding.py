"""geoplatform.demo.seeding: one independent, stable random stream per purpose.

Each generator step asks for its own stream by name, so changing how many numbers
one step draws never changes what another step produces.
"""

from __future__ import annotations

import zlib

import numpy as np

BASE_SEED = 20260601


def rng(label: str) -> np.random.Generator:
    """A generator seeded from ``label`` (CRC32, not ``hash``: stable across runs)."""
    return np.random.default_rng([BASE_SEED, zlib.crc32(label.encode("utf-8"))])
