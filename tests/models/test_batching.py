"""BatchSizer: a forward pass that runs out of memory above a size is retried on halves, the
size that fit is kept, and the rows come back complete and in order."""

from __future__ import annotations

import pytest
import torch

from vlmtrust.core.errors import ModelLoadError
from vlmtrust.models.batching import BatchSizer, is_out_of_memory


class FitsUpTo:
    """A forward pass (doubling its rows) that raises like an allocator above ``limit`` rows."""

    def __init__(self, limit: int, error: RuntimeError | None = None) -> None:
        self.limit = limit
        self.error = error or torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        self.sizes: list[int] = []

    def __call__(self, rows: slice) -> list[int]:
        size = rows.stop - rows.start
        self.sizes.append(size)
        if size > self.limit:
            raise self.error
        return [2 * i for i in range(rows.start, rows.stop)]


def _flat(parts: list[list[int]]) -> list[int]:
    return [row for part in parts for row in part]


def test_auto_takes_the_whole_batch_when_it_fits() -> None:
    forward = FitsUpTo(100)
    assert _flat(BatchSizer(None, "m").run(10, forward)) == [2 * i for i in range(10)]
    assert forward.sizes == [10]


def test_out_of_memory_halves_until_it_fits_and_the_size_is_remembered() -> None:
    sizer = BatchSizer(None, "m")
    forward = FitsUpTo(3)
    assert _flat(sizer.run(10, forward)) == [2 * i for i in range(10)]
    assert forward.sizes == [10, 5, 2, 2, 2, 2, 2]
    assert sizer.fits == 2
    forward.sizes.clear()
    assert _flat(sizer.run(5, forward)) == [2 * i for i in range(5)]
    assert forward.sizes == [2, 2, 1]  # no retry of the sizes that failed


@pytest.mark.parametrize(
    "error",
    [RuntimeError("MPS backend out of memory (MPS allocated: 9 GB)"), torch.OutOfMemoryError()],
)
def test_mps_and_cuda_out_of_memory_both_count(error: RuntimeError) -> None:
    assert is_out_of_memory(error)
    forward = FitsUpTo(1, error)
    assert _flat(BatchSizer(None, "m").run(4, forward)) == [0, 2, 4, 6]


def test_other_errors_are_not_retried() -> None:
    forward = FitsUpTo(1, RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    assert not is_out_of_memory(forward.error)
    with pytest.raises(RuntimeError, match="shapes"):
        BatchSizer(None, "m").run(4, forward)
    assert forward.sizes == [4]


def test_a_fixed_size_caps_every_pass_and_its_out_of_memory_is_one_line() -> None:
    forward = FitsUpTo(100)
    assert _flat(BatchSizer(3, "m").run(7, forward)) == [2 * i for i in range(7)]
    assert forward.sizes == [3, 3, 1]
    with pytest.raises(
        ModelLoadError, match=r"hf:clip \(images\) ran out of memory at batch size 3"
    ):
        BatchSizer(3, "hf:clip (images)").run(7, FitsUpTo(2))


def test_out_of_memory_on_a_single_row_names_the_remedies() -> None:
    with pytest.raises(ModelLoadError, match=r"batch size 1.*dtype=bfloat16"):
        BatchSizer(None, "m").run(4, FitsUpTo(0))


def test_an_empty_batch_runs_once_on_an_empty_slice() -> None:
    forward = FitsUpTo(0)
    assert BatchSizer(None, "m").run(0, forward) == [[]]
    assert forward.sizes == [0]
