"""Publishing: the episode's files in the output folder, each written whole or not at all."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def ensure_writable(folder: Path) -> Path:
    """Create folder and prove it can hold a file, before any slow work starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".podcaster-check-"):
            pass
    except OSError as e:
        raise OutputError(f"cannot write to output folder {folder} ({e.strerror or e}); "
                          f"pass --out with a folder you can write") from None
    return folder


@contextmanager
def atomic_path(target: Path):
    """Yield a temp path beside target; rename it over target only if the block succeeds."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; published files read like any other
        os.replace(tmp, target)
    except OSError as e:
        raise OutputError(f"cannot write {target} ({e.strerror or e})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        write(tmp)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(target: Path, data: dict) -> Path:
    return write_text(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def episode_paths(out: Path, day: str) -> dict[str, Path]:
    stem = f"podcaster-{day}"
    return {"mp3": out / f"{stem}.mp3", "json": out / f"{stem}.json", "transcript": out / f"{stem}.txt"}
