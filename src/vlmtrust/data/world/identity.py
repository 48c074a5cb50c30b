"""What decides the bytes of a world scene, so a scan can name a drawn answer without drawing it.

A world sample is a pure function of its request (seed, family, index, text and group options),
the world's drawing code, and the libraries that draw and encode it (numpy's generator, Pillow
and its FreeType font, zlib's PNG deflate). ``generator_fingerprint`` hashes all of them; a
change to any one gives every request a new identity, so a scan re-draws once and re-derives
each sample's content hash instead of trusting one remembered from other code.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import asdict
from pathlib import Path

import numpy as np
import PIL
from PIL import features

from vlmtrust.core import records, spec
from vlmtrust.core.spec import canonical_json, sha256_hex
from vlmtrust.data.source import Scenes


@functools.cache
def generator_fingerprint() -> str:
    """The world's drawing code (every module of ``data/world``, the Sample record and its PNG
    encoder, the hashing helpers) and the versions of the libraries that draw and encode."""
    world = Path(__file__).parent
    modules = [*sorted(world.glob("*.py")), Path(records.__file__), Path(spec.__file__)]
    code = [sha256_hex(path.name, path.read_text(encoding="utf-8")) for path in modules]
    versions = [
        np.__version__,
        PIL.__version__,
        str(features.version("freetype2")),
        zlib.ZLIB_RUNTIME_VERSION,
    ]
    return sha256_hex(*code, *versions)


def scenes_identity(request: Scenes) -> str:
    """The identity of a seeded ``Scenes`` answer (its seed must be set)."""
    fields = {**asdict(request), "kind": request.kind}
    fields.pop("task", None)  # who asks does not change the answer
    return sha256_hex("world", generator_fingerprint(), canonical_json(fields))
