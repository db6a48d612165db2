"""Mutations of real model files for the fuzz tests (inspect, profile, check): what bad disks,
partial copies and hostile files do to a flatbuffer."""

from __future__ import annotations

import random

MUTATIONS = ("flip", "truncate", "splice", "extreme-int")


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    blob = bytearray(data)
    kind = MUTATIONS[rng.randrange(len(MUTATIONS))]
    if kind == "flip":  # a few random bytes anywhere (headers, vtables, offsets, weights)
        for _ in range(rng.randint(1, 16)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
    elif kind == "truncate":
        blob = blob[: rng.randrange(8, len(blob))]
    elif kind == "splice":  # a run of garbage, as a bad disk or partial copy leaves
        at = rng.randrange(len(blob))
        blob[at:at + 48] = bytes(rng.randrange(256) for _ in range(48))
    else:  # a 32-bit field set to a value that breaks naive readers (huge lengths, negative offsets)
        at = rng.randrange(0, len(blob) - 4) & ~3
        value = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0, 1, len(blob), len(blob) - 4])
        blob[at:at + 4] = value.to_bytes(4, "little")
    return kind, bytes(blob)
