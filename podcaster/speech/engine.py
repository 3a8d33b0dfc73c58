"""The TTS engine interface: what every Kokoro runtime offers, and the voice a host gets."""
from __future__ import annotations

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
