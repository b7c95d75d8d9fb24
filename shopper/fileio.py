"""Writing files so that a failure never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from shopper.errors import ShopperError


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "w", **kwargs: object) -> Iterator[IO[str]]:
    """Write to a temporary file beside `path`, then rename it into place.

    On any error the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise ShopperError(f"{path}: the folder {folder} does not exist") from None
    except OSError as exc:
        raise ShopperError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ShopperError(
            f"{path}: could not be written ({exc.strerror}); free some disk space or "
            "choose another folder"
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()  # read once at import: os.umask() is process-wide, not thread-safe


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_writer(path, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
