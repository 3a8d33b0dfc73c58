"""Which Kokoro weights, on which runtime: the choice, and the engine that loads them.

Weights: --tts names a local folder, an .onnx file or a hub id; with none, hexgrad/Kokoro-82M
from the hub when it is cached or the hub answers, else the offline set (its int8 ONNX, and for
the torch runtime that ONNX converted to a folder once, speech/onnx_to_torch.py). Runtime: torch or
onnx, or 'auto' (`auto_runtime`). The torch runtime needs the kokoro package, which installs on
Python 3.10 to 3.12 only: without it 'auto' takes onnx and says so once.
"""
from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np

from .. import models
from ..config import cache_dir
from ..errors import ModelError, OutputError
from . import kokoro, onnx_to_torch
from .engine import TTSEngine, files_identity
from .kokoro import KokoroOnnx, KokoroTorch

log = logging.getLogger(__name__)

GPU_HINT = "pip install 'podcaster-daily[gpu]'"
_told: set[str] = set()     # what the log has been told once in this process


def _tell_once(level: int, message: str) -> None:
    if message not in _told:
        _told.add(message)
        log.log(level, message)


def kokoro_missing(import_it: bool = True) -> str | None:
    """Why the torch runtime cannot run here (the kokoro package missing, or not importable), or None.
    import_it: import it to be sure (seconds, the cost the torch runtime pays anyway), else only look."""
    if importlib.util.find_spec("kokoro") is None:
        if sys.version_info >= (3, 13):
            return "the kokoro package it needs does not install on Python 3.13"
        return "the kokoro package it needs is not installed"
    if import_it:
        try:
            import kokoro as _  # noqa: F401
        except Exception as e:  # a broken install (its misaki, spacy, ...): whatever it raises, the runtime is out
            said = " ".join(str(e).split())[:160]     # one line, however the import failed
            return f"the kokoro package it needs cannot be imported ({type(e).__name__}: {said})"
    return None


def kokoro_remedy() -> str:
    """What to do about kokoro_missing()."""
    return f"use Python 3.11 or 3.12 and {GPU_HINT}" if sys.version_info >= (3, 13) else GPU_HINT


def _onnx_instead(device: str, problem: str) -> None:
    """Say once that Kokoro speaks on the onnx runtime because the torch runtime cannot run."""
    if device == "cuda":
        _tell_once(logging.WARNING, f"TTS runtime: onnx, on the CPU: the torch runtime would use the GPU, but "
                                    f"{problem} (for it: {kokoro_remedy()})")
    else:
        _tell_once(logging.INFO, f"TTS runtime: onnx: the torch runtime would be the faster on this CPU, but "
                                 f"{problem} (for it: {kokoro_remedy()})")


def offline_kokoro_torch() -> Path | None:
    """The offline Kokoro-82M as a folder the torch runtime loads (config, .pth, voices), converted
    from its int8 ONNX on first use (seconds) and again whenever the ONNX or voices file changes."""
    files = models.offline_kokoro_files()
    if files is None:
        return None
    if importlib.util.find_spec("onnx") is None:
        raise ModelError(f"converting the offline Kokoro model for the torch runtime needs onnx: {GPU_HINT}")
    folder = cache_dir() / "models" / "kokoro-82m-int8-torch"
    source, stamp = files_identity(*files), folder / "source.txt"
    if not (folder / onnx_to_torch.WEIGHTS_FILE).is_file() or not stamp.is_file() or stamp.read_text() != source:
        log.info("converting the offline Kokoro ONNX model to torch weights (once)")
        onnx_to_torch.convert(*files, folder)
        try:
            stamp.write_text(source)
        except OSError as e:
            raise OutputError(f"cannot write {stamp} ({e.strerror or e}); set PODCASTER_CACHE to a folder "
                              f"you can write") from None
    return folder


def torch_folder(onnx: Path | None = None, voices: Path | None = None, out: Path | None = None) -> Path:
    """A folder the torch runtime loads, converted from ONNX weights (`podcaster convert-kokoro`):
    with nothing named, the offline set's, where the torch runtime looks for it (converted once);
    else the files named, the offline set's for what is not, into `out` or the model cache."""
    if onnx is None and voices is None and out is None:
        folder = offline_kokoro_torch()
        if folder is None:
            raise ModelError(f"no Kokoro ONNX model installed; {models.OFFLINE_HINT}, or name an .onnx file")
        return folder
    offline = models.offline_kokoro_files()
    if (onnx is None or voices is None) and offline is None:
        raise ModelError(f"name both the .onnx file and --voices, or {models.OFFLINE_HINT}")
    return onnx_to_torch.convert(onnx or offline[0], voices or offline[1],
                           out or cache_dir() / "models" / "kokoro-82m-torch")


def _torch_files(spec: str | None) -> tuple[str, Path, Path, dict]:
    """config, weights and voices for KModel: a local folder, an HF repo (downloaded and cached), or,
    with no --tts and no hub, the offline set's ONNX converted to a folder once."""
    name = spec or models.DEFAULT_TTS
    folder = Path(name).expanduser()
    if folder.is_dir():
        config = folder / "config.json"
        weights = min(folder.glob("*.pth"), default=None)
        if not config.is_file() or weights is None:
            raise ModelError(f"--tts {name}: a Kokoro folder needs config.json and a .pth weights file")
        voices: dict = {p.stem: p for p in sorted((folder / "voices").glob("*.pt"))}
        for npz in folder.glob("*.npz"):
            with np.load(npz) as data:
                voices.update({k: data[k] for k in data.files})
        return name, config, weights, voices
    if spec is None and not (models.hub_is_cached(name) or models.hub_is_reachable()):
        offline = offline_kokoro_torch()
        if offline is None:
            raise ModelError(f"no Kokoro weights for the torch runtime: the hub is out of reach and "
                             f"{models.OFFLINE_HINT}")
        return _torch_files(str(offline))
    from huggingface_hub import hf_hub_download, list_repo_files
    try:
        config = Path(hf_hub_download(name, "config.json"))
        weights = Path(hf_hub_download(name, "kokoro-v1_0.pth"))
        files = [f for f in list_repo_files(name) if f.startswith("voices/") and f.endswith(".pt")]
    except Exception as e:  # the hub raises many kinds; all mean the same to the user
        raise ModelError(f"could not get Kokoro weights {name} ({type(e).__name__}); "
                         f"use --runtime onnx with the offline set, or --tts with a local folder") from None
    # voice packs are fetched from the hub only when a host first speaks with them
    voices = {Path(f).stem: (lambda f=f: hf_hub_download(name, f)) for f in files}
    return name, config, weights, voices


def load_torch(spec: str | None, device: str, streams: int | None = None, batch: bool | None = None) -> KokoroTorch:
    problem = kokoro_missing()
    if problem is not None:
        raise ModelError(f"the torch runtime cannot run: {problem}; {kokoro_remedy()}, or use --runtime onnx")
    name, config, weights, voices = _torch_files(spec)
    if not voices:
        raise ModelError(f"Kokoro model {name} came with no voices")
    engine = KokoroTorch(name, config, weights, voices, device, streams, batch)
    way = ("one line at a time" if engine.streams == 1 else f"up to {engine.streams} lines in a batch"
           if engine.batch else f"{engine.streams} lines side by side")
    log.info("TTS: Kokoro %s on torch/%s%s, %s", name, device, ", decoder in bf16" if engine.bf16 else "", way)
    return engine


def load_onnx(spec: str | None, device: str, streams: int | None = None) -> KokoroOnnx:
    if spec:
        path = Path(spec).expanduser()
        onnx = path if path.suffix == ".onnx" else min(path.glob("*.onnx"), default=None) if path.is_dir() else None
        voices = min(onnx.parent.glob("voices*"), default=None) if onnx else None
        if onnx is None or voices is None:
            raise ModelError(f"--tts {spec}: the onnx runtime needs a folder with a .onnx model and a voices file")
    else:
        files = models.offline_kokoro_files()
        if files is None:
            raise ModelError(f"no Kokoro ONNX model installed; {models.OFFLINE_HINT}")
        onnx, voices = files
    if device == "cuda":
        problem = kokoro_missing(import_it=False)
        if problem is None:
            log.warning("the onnx runtime runs Kokoro on the CPU; use --runtime torch for the GPU")
        else:
            _onnx_instead(device, problem)
    engine = KokoroOnnx(onnx, voices, streams)
    log.info("TTS: Kokoro %s on onnxruntime/cpu, %d lines at once", onnx.name, engine.streams)
    return engine


def auto_runtime(spec: str | None, device: str) -> str:
    """torch where it is the faster, when the kokoro package and weights are at hand: on a CUDA GPU,
    and on a CPU that multiplies bf16 natively (BENCHMARKS.md: 1.37x the ONNX runtime on 2 cores);
    onnx otherwise. Where torch would be the faster but the kokoro package is missing (it does not
    install on Python 3.13) or broken, onnx, and the log says so once."""
    if spec and Path(spec).expanduser().suffix == ".onnx":
        return "onnx"
    if spec and Path(spec).expanduser().is_dir():
        return "torch" if any(Path(spec).expanduser().glob("*.pth")) else "onnx"
    if not (device == "cuda" or kokoro.native_bf16()):
        return "onnx"
    problem = kokoro_missing(import_it=False)     # first the look, which costs nothing, then the hub's probe
    if problem is None and not (
            spec or models.hub_is_cached(models.DEFAULT_TTS) or models.hub_is_reachable()
            or (importlib.util.find_spec("onnx") is not None and models.offline_kokoro_files() is not None)):
        return "onnx"
    problem = problem or kokoro_missing()
    if problem is None:
        return "torch"
    _onnx_instead(device, problem)
    return "onnx"


RUNTIMES = {"onnx": load_onnx, "torch": load_torch}


def load_tts(spec: str | None, runtime: str, device: str, streams: int | None = None) -> TTSEngine:
    """Load Kokoro-82M on the chosen runtime: torch (GPU or CPU) or onnx (CPU).

    runtime 'auto' takes torch on a CUDA GPU when its weights are at hand, else onnx. streams: lines
    spoken at once (None: what pays off on this runtime; 1: one line at a time, as the peers do).
    """
    if runtime == "auto":
        runtime = auto_runtime(spec, device)
    return RUNTIMES[runtime](spec, device, streams)
