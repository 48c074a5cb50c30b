"""Redo the README's report screenshot (docs/assets/demo-report.png) with the headless Chromium
the browser tests drive: the top of a report, 1280 px wide, palette-quantised to stay small.

    vlmtrust demo --limit 40 --out runs/demo
    PYTHONPATH=tests/support python -m docs_screenshot runs/demo/report.html \
        docs/assets/demo-report.png
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from chromium import Chromium
from PIL import Image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--height", type=int, default=1100, help="pixels from the top kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as profile:
        browser = Chromium(Path(profile))
        try:
            visit = browser.visit(args.report.resolve().as_uri(), "JSON.stringify({})")
        finally:
            browser.close()
    outside = [url for url in visit.requests if not url.startswith(("file:", "data:"))]
    if visit.console_errors or outside:
        raise SystemExit(f"the report did not render cleanly: {visit.console_errors} {outside}")
    page = Image.open(io.BytesIO(visit.screenshot)).convert("RGB")
    top = page.crop((0, 0, page.width, min(args.height, page.height)))
    top.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        args.png, optimize=True
    )
    print(f"{args.png}: {top.width}x{top.height}, {args.png.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
