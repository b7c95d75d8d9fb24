"""PDF pages as images, for previews and printing from the app: PDFium (pypdfium2) when it is
installed, else poppler's `pdftoppm`. No Qt here; the UI turns the PNG bytes into a QImage."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from shopper.errors import ShopperError

_PDFIUM = threading.Lock()
"""PDFium is not thread-safe: one call at a time in this process."""


def page_count(pdf: bytes) -> int:
    try:
        import pypdfium2  # type: ignore[import-untyped]
    except ImportError:
        return _pdfinfo_pages(pdf)
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def page_png(pdf: bytes, index: int = 0, dpi: float = 96, gray: bool = False) -> bytes:
    """Page `index` (0-based) of `pdf` as PNG bytes at `dpi`."""
    try:
        import pypdfium2
    except ImportError:
        return _pdftoppm(pdf, index, dpi, gray)
    import io

    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            bitmap = document[index].render(scale=dpi / 72, grayscale=gray)
            image = bitmap.to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdftoppm(pdf: bytes, index: int, dpi: float, gray: bool) -> bytes:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ShopperError(
            "cannot draw PDF pages here: install pypdfium2 (pip install pypdfium2) or "
            "poppler-utils; the PDF files themselves are fine"
        )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        page = str(index + 1)
        args = [tool, "-png", "-r", str(round(dpi)), "-f", page, "-l", page, "-singlefile"]
        if gray:
            args.append("-gray")
        subprocess.run([*args, str(source), str(Path(folder) / "out")], check=True)
        return (Path(folder) / "out.png").read_bytes()


def _pdfinfo_pages(pdf: bytes) -> int:
    tool = shutil.which("pdfinfo")
    if tool is None:
        raise ShopperError("cannot count PDF pages: install pypdfium2 or poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run([tool, handle.name], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0
