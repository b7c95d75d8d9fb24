"""Writing files so that a failure never leaves half a file behind, and sweeping the
temporary files a killed writer did leave.

A temporary file is named after the file it becomes, the machine and the process writing
it: ``.report.pdf.shopper-1a2b3c4d-4242-9f8e7d.tmp`` (plus SQLite's ``-journal``/``-wal``/
``-shm`` beside a database being copied). The next write of the same file, or the next
open of the database, removes the ones whose writer is gone: a process of this machine
that no longer runs, or a file untouched for an hour (writers keep writing; a temporary
file of another machine on a shared folder is only judged by its age).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from shopper.errors import ShopperError

STALE_AFTER_SECONDS = 3600.0
"""A temporary file untouched this long belongs to no running writer."""

HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_TEMP = re.compile(
    r"^\.(?P<target>.+)\.shopper-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]+\.tmp"
    r"(?:-journal|-wal|-shm)?$"
)
_LEGACY_TEMP = re.compile(r"^\.(?P<target>.+?)(?:\.[A-Za-z0-9_]{8})?\.tmp(?:-journal|-wal|-shm)?$")
"""Names used before the writer was part of the name (only removed once an hour old)."""


PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
"""Modes of what holds personal data on a laptop: the database, its backups, the log."""


def make_private(path: Path | str) -> None:
    """Take group and others' access away from `path` (a file or folder), if it is ours.

    What the owner may do is kept (a read-only file stays read-only). A symbolic link, a
    file of another user or a system without POSIX modes is left as it is; never raises."""
    if os.name != "posix":
        return
    try:
        info = os.lstat(path)
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        with contextlib.suppress(OSError):
            os.chmod(path, mode & ~0o077)


def private_folder(path: Path) -> Path:
    """`path` as a folder only its owner can enter (made with its parents if missing)."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    make_private(path)
    return path


def create_private_file(path: Path) -> None:
    """Create the empty file `path`, readable and writable by its owner only, whatever the
    umask; an existing file raises FileExistsError."""
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE
    )
    os.close(fd)
    make_private(path)


def temp_path(target: Path) -> Path:
    """A new temporary file name beside `target`, recognisable by `sweep_temp_files`."""
    target = Path(target)
    token = secrets.token_hex(3)
    return target.with_name(f".{target.name}.shopper-{HOST_TAG}-{os.getpid()}-{token}.tmp")


def pid_running(pid: int) -> bool:
    """Whether process `pid` of this machine runs (True when that cannot be told)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, someone else's
        return True
    return True


def sweep_temp_files(
    folder: Path, target_name: str | None = None, *, legacy: bool = False
) -> list[Path]:
    """Remove stale temporary files in `folder`, whatever file they were becoming.

    `legacy` also removes hour-old ``.NAME.tmp`` / ``.NAME.XXXXXXXX.tmp`` files written
    before temporary names carried their writer (only those of `target_name`, if given).
    Returns what was removed; never raises.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith("."):
            continue
        match = _TEMP.match(entry.name)
        old = _LEGACY_TEMP.match(entry.name) if legacy and match is None else None
        if match is None and (
            old is None or (target_name is not None and old["target"] != target_name)
        ):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        if match is not None:
            ours = match["host"] == HOST_TAG
            stale = age > STALE_AFTER_SECONDS or (ours and not pid_running(int(match["pid"])))
        else:
            stale = age > STALE_AFTER_SECONDS
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def remove_temp(path: Path) -> None:
    """Remove a temporary file and SQLite's files beside it, if they are there."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")


@contextlib.contextmanager
def atomic_writer(
    path: Path, mode: str = "w", *, private: bool = False, **kwargs: object
) -> Iterator[IO[str]]:
    """Write to a temporary file beside `path`, then rename it into place.

    On any error the temporary file is removed and `path` is untouched; one left by a
    killed writer is removed by the next write of the same file. A `private` file is
    readable by its owner only from its first byte (0600 whatever the umask).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    sweep_temp_files(folder, path.name, legacy=True)
    tmp = temp_path(path)
    try:
        # 0o666 less the umask, as for any new file (mkstemp would make it 0600).
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
            PRIVATE_FILE_MODE if private else 0o666,
        )
    except FileNotFoundError:
        raise ShopperError(f"{path}: the folder {folder} does not exist") from None
    except OSError as exc:
        raise ShopperError(f"{path}: cannot write here ({exc.strerror})") from None
    if private:
        make_private(tmp)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
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


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_writer(path, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
