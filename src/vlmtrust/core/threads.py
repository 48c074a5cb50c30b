"""A fixed torch thread count for small workloads.

Why: on a couple of shared cores, extra intra-op threads on small batches only contend (small
zoo models ran 10-40x slower with two threads on a busy 2-core machine), and a fixed count keeps
floating-point reductions, hence optimisation paths, the same whatever the machine's default.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int = 1) -> Iterator[None]:
    """Run the block with ``count`` torch threads, then restore the previous count."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
