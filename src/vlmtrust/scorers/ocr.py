"""One place that builds rapidocr engines (the PII scorer, the guard and OCR masking all read
text): from the ONNX models bundled in the wheel, so nothing is ever downloaded, and one engine
per setting per process, since loading an ONNX session costs ~0.3 s.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


@functools.cache
def ocr_engine(recognise: bool = True, as_given: bool = False, threads: int | None = None) -> Any:
    """A rapidocr engine: detection and (``recognise``) recognition, no angle classifier.

    ``as_given`` feeds the detector the image at its own size (up to 4096 px a side); rapidocr's
    default enlarges every image to 736 px on the short side, which costs ~1 s an image for no
    recall gain on images a caller has already upscaled.

    ``threads`` fixes onnxruntime's intra-op threads (default: one per core). On a busy 2-core
    machine one thread read FigStep images in 0.67 s against 0.99 s with the default (load ~8):
    extra threads on small images only contend.
    """
    import rapidocr
    from rapidocr import RapidOCR

    models = Path(rapidocr.__file__).parent / "models"
    detector = models / "PP-OCRv6_det_small.onnx"
    if not detector.is_file():
        raise FileNotFoundError(f"rapidocr's bundled detector is missing: {detector}")
    params: dict[str, Any] = {
        "Global.use_cls": False,
        "Global.log_level": "error",
        "Det.model_path": str(detector),
    }
    if recognise:
        params["Rec.model_path"] = str(models / "PP-OCRv6_rec_small.onnx")
    else:
        params["Global.use_rec"] = False
    if threads is not None:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    if as_given:
        params["Det.limit_type"] = "max"
        params["Det.limit_side_len"] = 4096
    return RapidOCR(params=params)
