"""The frozen MiniLM sentence encoder: unit rows, the same vector for the same text."""

import numpy as np

from vlmtrust.models.text_encoder import EMBED_DIM, MiniLM


def test_rows_are_unit_vectors_one_per_text_and_repeats_agree():
    encoder = MiniLM()
    rows = encoder.encode(["a red circle", "a doctor at work", "a red circle"])
    assert rows.shape == (3, EMBED_DIM) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(rows[0], rows[2]) and not np.allclose(rows[0], rows[1])
    assert encoder.encode([]).shape == (0, EMBED_DIM)
