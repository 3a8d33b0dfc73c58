"""The TTS engine interface and the registry that loads one."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import PresetError
from ..types import Host


class TTSEngine(Protocol):
    name: str           # engine and runtime, e.g. "kokoro-onnx"
    model: str          # weights it runs, for logs
    weights: str        # which weight and voice files exactly (path, size, mtime), for the line cache
    sample_rate: int
    device: str         # "cpu" or "cuda"
    streams: int        # lines it speaks at once (synthesize may be called from that many threads)

    def voices(self) -> list[str]: ...

    def synthesize(self, text: str, voice: str, speed: float) -> np.ndarray:
        """The whole text as float32 mono samples; long text is split and every chunk kept."""


class Combiner:
    """Calls from several threads answered together: whichever caller finds no batch running runs
    `run` on up to `limit` waiting items (its own among them, or first the ones before it). Each
    caller gets its own result, raised if it is an exception; an exception out of `run` reaches
    every caller of that batch."""

    def __init__(self, run, limit: int):
        self._run, self._limit = run, limit
        self._cond = threading.Condition()
        self._waiting: list[dict] = []
        self._running = False

    def __call__(self, item):
        call = {"item": item}
        with self._cond:
            self._waiting.append(call)
            while "result" not in call:
                if self._running:
                    self._cond.wait()
                    continue
                batch, self._waiting = self._waiting[:self._limit], self._waiting[self._limit:]
                self._running = True
                self._cond.release()
                try:
                    results = self._run([c["item"] for c in batch])
                except BaseException as e:
                    results = [e] * len(batch)
                finally:
                    self._cond.acquire()
                    self._running = False
                    self._cond.notify_all()
                for c, result in zip(batch, results, strict=True):
                    c["result"] = result
        if isinstance(call["result"], BaseException):
            raise call["result"]
        return call["result"]


def files_identity(*paths: Path) -> str:
    """Path, size and modification time of each file: changes when a file is replaced."""
    parts = []
    for path in paths:
        try:
            stat = Path(path).stat()
            parts.append(f"{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(str(path))
    return "|".join(parts)


def pick_voice(host: Host, engine: TTSEngine) -> str:
    """The host's first preferred voice that the engine's voice pack has."""
    available = set(engine.voices())
    for voice in host.kokoro_voices:
        if voice in available:
            return voice
    raise PresetError(f"voice preset {host.key!r} wants one of {', '.join(host.kokoro_voices)}, "
                      f"but the loaded voice pack ({engine.model}) has only: {', '.join(sorted(available))}")


def load_tts(spec: str | None, runtime: str, device: str, streams: int | None = None) -> TTSEngine:
    """Load Kokoro-82M on the chosen runtime: torch (GPU or CPU) or onnx (CPU).

    runtime 'auto' takes torch on a CUDA GPU when its weights are at hand, else onnx. streams: lines
    spoken at once (None: what pays off on this runtime; 1: one line at a time, as the peers do).
    """
    from . import kokoro
    if runtime == "auto":
        runtime = kokoro.auto_runtime(spec, device)
    return kokoro.RUNTIMES[runtime](spec, device, streams)
