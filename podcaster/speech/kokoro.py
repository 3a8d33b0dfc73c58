"""Kokoro-82M on two runtimes with one text front end.

Both runtimes phonemise with espeak-ng (kokoro-onnx's tokenizer), split the phonemes at
punctuation into pieces the model accepts (<= 510 tokens), synthesise every piece and
join them all, so a long line is never cut short.
"""
from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

import numpy as np

from .. import models
from .engine import files_identity

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
LANG = "en-us"
PIECE_PAUSE_S = 0.15     # between the pieces of one long line, where punctuation split it
STREAMS = 2              # lines spoken side by side on a CPU, each on its share of the cores (measured on 2)
GPU_BATCH = 8            # pieces of speech decoded together on a GPU (speech/batch.py)
BATCH_PHONEMES = 2_000   # rows x longest row in one batch: a bound on its activations' memory


def _drop_word_count_warnings(record: logging.LogRecord) -> bool:
    return "words count mismatch" not in record.getMessage()


def _quiet_phonemizer() -> None:
    # espeak reports "words count mismatch" for most lines: harmless, and noise in a cron log.
    # A filter, because phonemizer resets its logger's level on every call.
    logger = logging.getLogger("phonemizer")
    if _drop_word_count_warnings not in logger.filters:
        logger.addFilter(_drop_word_count_warnings)


def _tokenizer():
    from kokoro_onnx.tokenizer import Tokenizer
    _quiet_phonemizer()
    return Tokenizer()


def new_kmodel(config: dict | Path, weights: Path):
    """The `kokoro` package's KModel, without the warnings its construction always raises (weight_norm's
    deprecation, dropout on one-layer LSTMs): they are about training and would fill every cron log."""
    import warnings

    from kokoro import KModel
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*weight_norm", category=FutureWarning)
        warnings.filterwarnings("ignore", message="dropout option adds dropout", category=UserWarning)
        return KModel(repo_id=models.DEFAULT_TTS, config=config if isinstance(config, dict) else str(config),
                      model=str(weights))


class KokoroOnnx:
    """kokoro-onnx on ONNX Runtime (CPU): the offline int8 weights or a local .onnx file.

    It keeps `streams` sessions, each with its share of the cores, and speaks that many lines at
    once: one session keeps two cores only partly busy on the graph's many small int8 steps
    (BENCHMARKS.md, "speech"). The engine is safe to call from that many threads."""
    name = "kokoro-onnx"
    sample_rate = SAMPLE_RATE
    device = "cpu"      # the CPU build of ONNX Runtime

    def __init__(self, model_path: Path, voices_path: Path, streams: int | None = None):
        import onnxruntime as ort
        from kokoro_onnx import Kokoro
        from kokoro_onnx.session import resolve_providers
        _quiet_phonemizer()
        self.model = model_path.name
        self.weights = files_identity(model_path, voices_path)
        cores = models.usable_cores()
        self.streams = streams or min(STREAMS, cores)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, cores // self.streams)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(self.streams):
            session = ort.InferenceSession(str(model_path), options, providers=resolve_providers())
            kokoro = Kokoro.from_session(session, str(voices_path))
            self._idle.put(kokoro)
        self._voices = list(kokoro.get_voices())    # the same voices file for every session
        self._espeak = threading.Lock()     # espeak-ng keeps global state: one text at a time

    def voices(self) -> list[str]:
        return self._voices

    def synthesize(self, text: str, voice: str, speed: float) -> np.ndarray:
        kokoro = self._idle.get()
        try:
            with self._espeak:
                phonemes = kokoro.tokenizer.phonemize(text, LANG)
            audio, _ = kokoro.create(phonemes, voice=voice, speed=speed, lang=LANG, is_phonemes=True,
                                     sentence_pause=PIECE_PAUSE_S, clause_pause=PIECE_PAUSE_S)
        finally:
            self._idle.put(kokoro)
        return np.asarray(audio, dtype=np.float32)


class KokoroTorch:
    """The `kokoro` package's KModel in torch: hexgrad/Kokoro-82M from the hub, a local folder, or
    the offline int8 ONNX weights converted to a folder (speech/onnx_to_torch.py).

    It takes `streams` lines at once. With `batch` (a GPU's way: GPU_BATCH lines) the pieces of
    speech that callers on that many threads are waiting for are decoded together in one batch
    (speech/batch.py), each as it sounds alone. Without (a CPU's way: STREAMS lines) each thread
    decodes its own piece on its share of the cores, and on a CPU that multiplies bf16 natively the
    decoder's convolution stacks run in bf16 (`decoder_in_bf16`)."""
    name = "kokoro-torch"
    sample_rate = SAMPLE_RATE

    def __init__(self, folder_or_id: str, config: Path, weights: Path, voices: dict[str, object], device: str,
                 streams: int | None = None, batch: bool | None = None):
        self.model = folder_or_id
        self.weights = files_identity(config, weights) + "|voices:" + ",".join(
            f"{name}={files_identity(pack) if isinstance(pack, (str, Path)) else 'built-in'}"
            for name, pack in sorted(voices.items()))
        self.device = device
        self.kmodel = new_kmodel(config, weights).to(device).eval()
        fold_weight_norm(self.kmodel)
        self.batch = device == "cuda" if batch is None else batch
        # batch.py runs the stacks' layers one by one, in float32
        self.bf16 = not self.batch and device == "cpu" and native_bf16()
        if self.bf16:
            decoder_in_bf16(self.kmodel)
            self.weights += "|decoder:bf16"     # its own entries in the line cache
        stft = self.kmodel.decoder.generator.stft
        if hasattr(stft, "window"):     # a plain attribute, not a buffer: else copied to the GPU each call
            stft.window = stft.window.to(device)
        self.tokenizer = _tokenizer()
        self.tokenizer.vocab = self.kmodel.vocab
        self._voices = voices   # name -> [510, 1, 256] voice pack: an array, a .pt path, or a callable giving one
        cores = models.usable_cores()
        self.streams = streams or (GPU_BATCH if self.batch else min(STREAMS, cores))
        self._threads = max(1, cores // self.streams)
        if self.batch:
            from .batch import Combiner
            self._decode = Combiner(self._forward, self.streams)
        else:
            self._decode = self._decode_here
        self._espeak = threading.Lock()     # espeak-ng and the voice-pack cache are shared by the threads

    def voices(self) -> list[str]:
        return sorted(self._voices)

    def _voice_pack(self, voice: str):
        import torch
        pack = self._voices[voice]
        if callable(pack):
            pack = pack()
        if isinstance(pack, (str, Path)):
            pack = torch.load(pack, map_location="cpu", weights_only=True)
        pack = torch.as_tensor(pack, dtype=torch.float32)
        self._voices[voice] = pack
        return pack

    def synthesize(self, text: str, voice: str, speed: float) -> np.ndarray:
        from kokoro_onnx.chunker import split_phonemes
        from kokoro_onnx.config import MAX_PHONEME_LENGTH
        from kokoro_onnx.trim import trim
        with self._espeak:
            pack = self._voice_pack(voice)
            phonemes = " ".join(self.tokenizer.phonemize(text, LANG).split())
        pieces = []
        for piece in split_phonemes(phonemes, MAX_PHONEME_LENGTH):
            tokens = self.tokenizer.tokenize(piece)
            if not tokens:
                continue
            audio = self._decode(([0, *tokens, 0], pack[min(len(tokens), len(pack)) - 1], speed))
            audio, _ = trim(audio.float().cpu().numpy().ravel())
            pieces += [audio, np.zeros(int(PIECE_PAUSE_S * SAMPLE_RATE), np.float32)]
        if not pieces:
            raise ValueError(f"nothing to say in {text[:40]!r}")
        return np.concatenate(pieces[:-1]).astype(np.float32)

    def _forward(self, rows: list[tuple[list[int], object, float]]) -> list:
        """Audio for pieces given as (token ids, style vector, speed): one alone as the `kokoro`
        package speaks it, several in one batch."""
        from .batch import forward_batch
        audio = [None] * len(rows)
        for group in _groups([len(ids) for ids, _, _ in rows], BATCH_PHONEMES):
            spoken = None
            if len(group) > 1:
                try:
                    spoken = forward_batch(self.kmodel, *map(list, zip(*(rows[i] for i in group))))
                except (RuntimeError, ValueError, MemoryError) as e:
                    # a piece it cannot say, or a batch too big for the GPU: each alone, so that
                    # only a piece that fails on its own fails its line
                    log.info("a batch of %d pieces failed (%s); speaking them one at a time", len(group),
                             str(e).splitlines()[0][:120] if str(e) else type(e).__name__)
            for i, samples in zip(group, spoken or [self._alone(*rows[i]) for i in group]):
                audio[i] = samples
        return audio

    def _decode_here(self, row: tuple[list[int], object, float]):
        """One piece decoded in the calling thread, on its share of the cores: lines spoken side by
        side keep the cores busy through the model's many small steps (BENCHMARKS.md)."""
        import torch
        before = torch.get_num_threads()    # per thread (OpenMP): the caller's count is put back
        torch.set_num_threads(self._threads)
        try:
            audio = self._alone(*row)
        finally:
            torch.set_num_threads(before)
        if isinstance(audio, BaseException):
            raise audio
        return audio

    def _alone(self, ids: list[int], style, speed: float):
        """One piece as the `kokoro` package speaks it, or the exception it raised."""
        import torch
        try:
            tokens = torch.tensor([ids], dtype=torch.long, device=self.device)
            return self.kmodel.forward_with_tokens(tokens, style.to(self.device), speed)[0]
        except (RuntimeError, ValueError, MemoryError) as e:
            return e


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX): elsewhere bf16 is emulated
    and slower than float32."""
    import torch
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")    # private, hence the care
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def fold_weight_norm(kmodel) -> None:
    """Weight-normed layers with their weights computed once, not on every call: the same numbers,
    and no module attribute rewritten while several threads run the model."""
    import torch
    from torch.nn.utils.weight_norm import WeightNorm
    for module in kmodel.modules():
        for hook in [h for h in module._forward_pre_hooks.values() if isinstance(h, WeightNorm)]:
            torch.nn.utils.remove_weight_norm(module, hook.name)


def decoder_in_bf16(kmodel) -> None:
    """The decoder's convolution stacks in bf16: most of Kokoro's compute, and twice as fast on a CPU
    that multiplies bf16 natively. Each stack takes and gives float32; durations, pitch, the harmonic
    source and the iSTFT stay float32, so every line keeps its timing and pitch (a test compares)."""
    import torch
    decoder, generator = kmodel.decoder, kmodel.decoder.generator
    for stack in [decoder.encode, *decoder.decode, *generator.ups, *generator.noise_convs,
                  *generator.noise_res, *generator.resblocks]:
        stack.to(torch.bfloat16)
        stack.register_forward_pre_hook(
            lambda _, args: tuple(a.to(torch.bfloat16) if torch.is_tensor(a) else a for a in args))
        stack.register_forward_hook(lambda _, args, out: out.float())


def _groups(lengths: list[int], budget: int) -> list[list[int]]:
    """Indexes, shortest first, in groups whose size times their longest stays within budget."""
    groups, group = [], []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if group and (len(group) + 1) * lengths[i] > budget:
            groups.append(group)
            group = []
        group.append(i)
    return groups + [group] if group else groups
