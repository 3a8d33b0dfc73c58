"""GPU check: the product's torch paths on CUDA, timed. One prepared run, well under 10 minutes.

Speech goes through render_turns twice in the same run: one line at a time (the peers' way) and
in the GPU's batches (speech/batch.py), so the table gives their ratio.

Kokoro runs on its real weights where the offline set is installed (its int8 ONNX converted for
torch, speech/onnx_to_torch.py). Where it is not (a GPU machine that the offline set cannot reach), and
for the LLM, random-weight models of the real architectures stand in (Kokoro-82M's config.json,
Qwen2.5-1.5B's shape): the compute per token and per audio frame is the real one. Random Kokoro
weights predict longer durations than trained ones, so the TTS figure is also reported per
phoneme, which does not depend on them.

    python benchmarks/gpu_check.py            # prints a table; exit 1 if a path fails
    python benchmarks/gpu_check.py --toy      # the same paths on toy sizes: a quick smoke run
"""
from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

if importlib.util.find_spec("spacy") is None:
    # `import kokoro` imports misaki's English G2P, which imports spacy at the top but only
    # uses it when that G2P is built; podcaster phonemises with espeak and never builds it.
    sys.modules["spacy"] = types.ModuleType("spacy")

import torch  # noqa: E402

from podcaster.random_models import KOKORO_82M, KOKORO_TOY, LLM_1_5B, LLM_TOY, build_kokoro, build_llm  # noqa: E402

TOY = "--toy" in sys.argv


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=HERE).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def cuda_sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def kokoro_weights(work: Path) -> tuple[Path, tuple[str, str], str]:
    """The real Kokoro-82M (the offline set's int8 ONNX, converted) where it is installed, else random weights."""
    from podcaster.errors import ModelError
    from podcaster.speech.runtimes import offline_kokoro_torch
    if not TOY:
        try:
            folder = offline_kokoro_torch()
        except ModelError:
            folder = None
        if folder:
            return folder, ("jf_alpha", "jm_kumo"), "real: offline int8 ONNX converted (real durations)"
    return (build_kokoro(work / "kokoro", KOKORO_TOY if TOY else KOKORO_82M), ("af_heart", "am_michael"),
            "random, real architecture (random durations: see phonemes/s)")


def tts_rows(work: Path, device: str, repeats: int = 3) -> list[tuple[str, str]]:
    """The episode's lines through the product's render_turns, one at a time (the peers' way) and
    in the GPU's batches (GPU_BATCH lines at once, speech/batch.py), in the same run."""
    from podcaster.config import load_host, load_style
    from podcaster.speech import render_turns
    from podcaster.speech.kokoro import GPU_BATCH
    from podcaster.speech.runtimes import load_torch
    from podcaster.types import Turn
    lines = [line for line in (HERE / "sample_lines.txt").read_text().splitlines() if line and not line.startswith("#")]
    folder, voices, weights = kokoro_weights(work)
    turns = [Turn(("ava", "kai")[i % 2], line, [], 0) for i, line in enumerate(lines)]
    hosts, style = {"ava": load_host("ava"), "kai": load_host("kai")}, load_style("morning")
    rows, walls = [("TTS weights", weights)], {}
    for way, streams in (("one line at a time", 1), (f"batches of up to {GPU_BATCH} lines", GPU_BATCH)):
        engine = load_torch(str(folder), device, streams=streams, batch=True)    # the GPU's way, also in --toy
        if way == "one line at a time":
            phonemes = sum(len(engine.tokenizer.phonemize(line, "en-us")) for line in lines)
            rows.append(("TTS lines", f"{len(lines)} lines, {phonemes} phonemes"))
        render_turns(turns[:streams], hosts, dict(zip(hosts, voices)), style, engine)    # warm-up
        torch.cuda.reset_peak_memory_stats() if device == "cuda" else None
        times = []
        for _ in range(repeats):
            cuda_sync()
            start = time.perf_counter()
            spoken = render_turns(turns, hosts, dict(zip(hosts, voices)), style, engine)
            cuda_sync()
            times.append(time.perf_counter() - start)
        walls[way] = statistics.median(times)
        audio_s = sum(len(line.samples) for line in spoken) / engine.sample_rate
        peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else float("nan")
        rows += [(f"TTS {way}: wall time (median of {repeats})", f"{walls[way]:.2f} s for {audio_s:.1f} s of audio"),
                 (f"TTS {way}: real-time factor",
                  f"{audio_s / walls[way]:.1f}x, {phonemes / walls[way]:,.0f} phonemes/s"),
                 (f"TTS {way}: peak GPU memory", f"{peak:.2f} GiB")]
        del engine
    first, batched = walls.values()
    rows.append(("TTS batched vs one at a time", f"{first / batched:.2f}x"))
    return rows


def llm_rows(work: Path, device: str) -> list[tuple[str, str]]:
    from podcaster.writer.llm import load_llm
    folder = build_llm(work / "llm", LLM_TOY if TOY else LLM_1_5B, vocab_size=151_936)
    llm = load_llm(str(folder), device)
    prompt = torch.randint(100, 150_000, (1, 700), device=device)
    torch.cuda.reset_peak_memory_stats() if device == "cuda" else None
    rates = []
    for new in (32, 256, 256, 256):                       # the first is a warm-up
        cuda_sync()
        start = time.perf_counter()
        out = llm.model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=new,
                                 min_new_tokens=new, do_sample=True, temperature=0.7, top_p=0.9, pad_token_id=0)
        cuda_sync()
        rates.append((out.shape[1] - prompt.shape[1]) / (time.perf_counter() - start))
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else float("nan")
    return [("LLM (Qwen2.5-1.5B shape, bf16), 700-token prompt", "256 new tokens, sampled"),
            ("LLM tokens/s (median of 3, incl. prefill)", f"{statistics.median(rates[1:]):.1f}"),
            ("LLM peak GPU memory", f"{peak:.2f} GiB")]


def main() -> int:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    rows = [("device", f"{name}, torch {torch.__version__}"), ("commit", commit()),
            ("model sizes", "toy (smoke run)" if TOY else "real architectures (weights: see rows)")]
    with tempfile.TemporaryDirectory() as tmp:
        for part in (tts_rows, llm_rows):
            try:
                rows += part(Path(tmp), device)
            except Exception as e:  # report and go on: one failing path must not hide the other
                rows.append((part.__name__, f"FAILED: {type(e).__name__}: {e}"))
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"| {k.ljust(width)} | {v} |" for k, v in rows))
    return 1 if any(v.startswith("FAILED") for _, v in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
