"""Rendered lines on disk, so a rerun after a crash speaks only what is missing.

A line's key is a hash of everything that changes its audio: text, voice, speed (style x host),
engine and runtime, weights, sample rate. Entries are written whole (temp file, then rename); one
that cannot be read is rendered again. Entries unused for MAX_AGE_DAYS are pruned.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from ..files import atomic_path

log = logging.getLogger(__name__)

MAX_AGE_DAYS = 14


def line_key(text: str, voice: str, speed: float, engine: str, weights: str, sample_rate: int) -> str:
    fields = {"text": text, "voice": voice, "speed": round(speed, 4), "engine": engine, "weights": weights,
              "rate": sample_rate}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class LineCache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.hits = self.misses = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            log.warning("line cache disabled: cannot create %s (%s)", folder, e.strerror or e)
            self.folder = None

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        if self.folder is None:
            return None
        path = self._path(key)
        if not path.exists():
            self.misses += 1
            return None
        try:
            audio = np.load(path, allow_pickle=False)
            if not isinstance(audio, np.ndarray):       # an .npz archive is not a line
                raise ValueError("not a single array")
            if audio.dtype != np.float32 or audio.ndim != 1 or not audio.size:
                raise ValueError(f"unexpected {audio.dtype} array of shape {audio.shape}")
        except (OSError, ValueError, EOFError) as e:
            log.warning("line cache: %s is damaged (%s); rendering it again", path.name, e)
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        os.utime(path)          # recently used: kept by prune()
        self.hits += 1
        return audio

    def put(self, key: str, audio: np.ndarray) -> None:
        if self.folder is None:
            return
        try:
            with atomic_path(self._path(key)) as tmp, open(tmp, "wb") as f:
                np.save(f, np.asarray(audio, dtype=np.float32), allow_pickle=False)
        except OSError as e:     # a full disk costs the cache, not the episode
            log.warning("line cache: cannot store a line (%s)", e.strerror or e)

    def prune(self, max_age_days: float = MAX_AGE_DAYS) -> int:
        """Delete entries unused for max_age_days, and temp files of killed runs; returns how many."""
        if self.folder is None:
            return 0
        cutoff, removed = time.time() - max_age_days * 86400, 0
        try:
            for path in self.folder.iterdir():
                stale_tmp = path.suffix == ".tmp" and path.stat().st_mtime < time.time() - 3600
                if stale_tmp or (path.suffix == ".npy" and path.stat().st_mtime < cutoff):
                    path.unlink()
                    removed += 1
        except OSError as e:    # tidying is best effort: the episode is already out
            log.warning("line cache: cannot prune %s (%s)", self.folder, e.strerror or e)
        return removed
