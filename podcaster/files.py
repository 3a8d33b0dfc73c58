"""Reading the files a person or an earlier run names (profile, OPML, artwork, sounds, episode JSON):
regular files only, and never more of one than the job needs.

A path can name anything: /dev/zero never ends, a FIFO blocks the reader until someone writes to
it, a 95 MB "OPML" takes minutes to parse. Each of those is refused with one line saying what the
path is, before a byte of it is read.
"""
from __future__ import annotations

import os
import stat
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
