"""Reading the files a person or an earlier run names (profile, OPML, artwork, sounds, episode JSON):
regular files only, and never more of one than the job needs; and writing a file whole or not at all.

A path can name anything: /dev/zero never ends, a FIFO blocks the reader until someone writes to
it, a 95 MB "OPML" takes minutes to parse. Each of those is refused with one line saying what the
path is, before a byte of it is read.
"""
from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PodcasterError

MB = 1024 * 1024


def other_kind(path: Path) -> str | None:
    """What path is when it exists but is not a regular file ("a folder", ...); None otherwise."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    return None if stat.S_ISREG(mode) else _kind(mode)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "a pipe or socket"
    return "a device"


def _too_big(path: Path, limit: int, what: str, error: type[PodcasterError]) -> PodcasterError:
    return error(f"{what} {path} is over {limit / MB:g} MB, too big to be one; check that it is the right file")


def read_capped(path: Path, limit: int, what: str, error: type[PodcasterError], head: int | None = None) -> bytes:
    """A regular file's bytes (only its first `head` when given), if it holds at most `limit` bytes.
    A folder, device, pipe or a bigger file is `error`, naming `what` the path should have been."""
    try:
        # non-blocking, so opening a FIFO returns at once instead of waiting for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise error(f"cannot read {what} {path} ({e.strerror or e})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if stat.S_ISREG(info.st_mode):
            raise _too_big(path, limit, what, error)
        raise error(f"{what} {path} is {_kind(info.st_mode)}, not a file; name a regular file")
    with open(fd, "rb") as file:
        try:    # limit + 1: a file that grows, or says it is empty (/proc), is still cut off
            data = file.read(limit + 1 if head is None else head)
        except OSError as e:
            raise error(f"cannot read {what} {path} ({e.strerror or e})") from None
    if len(data) > limit:
        raise _too_big(path, limit, what, error)
    return data


def check_regular(path: Path, limit: int, what: str, error: type[PodcasterError]) -> Path:
    """path, if it is a regular file of at most `limit` bytes (for a file another program reads)."""
    read_capped(path, limit, what, error, head=0)
    return path


@contextmanager
def atomic_path(target: Path, folder: bool = False) -> Iterator[Path]:
    """A new, empty temporary file (a folder, with `folder`) beside target, `.NAME.RANDOM.tmp`, renamed
    over target only when the block succeeds: a reader finds the old target or the new one whole, never
    half of one. The temporary is gone afterwards whatever happens. It gets the modes any new file (or
    folder) gets here. An OSError is raised as it is: each caller says what it was writing."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            if folder:
                os.mkdir(tmp)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if folder:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
