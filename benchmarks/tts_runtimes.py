"""Kokoro-82M's real offline weights on both TTS runtimes: conversion time, speed, and agreement.

    python benchmarks/tts_runtimes.py             # 25 lines of a real script, median of 3
    python benchmarks/tts_runtimes.py --lines 4 --repeats 1    # a quick smoke run

The torch runtime runs the offline int8 ONNX model converted for KModel (speech/onnx_to_torch.py), on
the CPU and, where there is one, on CUDA. Prints a table; the ONNX runtime is the baseline.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

RATE = 24_000
VOICES = ("jf_alpha", "jm_kumo")


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE)
    return done.stdout.strip() or "unknown"


def timed(engine, lines: list[str], repeats: int) -> tuple[float, float]:
    """(median wall seconds, seconds of audio) for speaking every line, hosts alternating."""
    import torch
    engine.synthesize(lines[0], VOICES[0], 1.0)        # warm-up: voice packs, kernels
    walls, audio = [], 0.0
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        audio = sum(len(engine.synthesize(line, VOICES[i % 2], 1.0)) for i, line in enumerate(lines)) / RATE
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), audio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch

    from podcaster import models
    from podcaster.speech import load_tts, onnx_to_torch
    files = models.offline_kokoro_files()
    if files is None:
        print(f"the offline Kokoro set is not installed; {models.OFFLINE_HINT}")
        return 1
    text = (HERE / "sample_lines.txt").read_text().splitlines()
    lines = [line for line in text if line and not line.startswith("#")][:args.lines]
    rows = [("machine", f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads"),
            ("commit", commit()), ("input", f"{len(lines)} lines of a real script, voices {', '.join(VOICES)}")]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folder = onnx_to_torch.convert(*files, Path(tmp) / "kokoro-torch")
        rows.append(("conversion, int8 ONNX -> KModel state dict", f"{time.perf_counter() - start:.1f} s"))
        runs = [("onnx", "cpu", None), ("torch", "cpu", str(folder))]
        if torch.cuda.is_available():
            runs.append(("torch", "cuda", str(folder)))
        baseline = None
        for runtime, device, spec in runs:
            engine = load_tts(spec, runtime, device, streams=1)      # one line at a time, all cores on it
            wall, audio = timed(engine, lines, args.repeats)
            baseline = baseline or (wall, audio)
            rows.append((f"{runtime} on {device}: wall (median of {args.repeats})",
                         f"{wall:.1f} s for {audio:.1f} s of audio ({audio / baseline[1]:.3f}x the onnx length)"))
            rows.append((f"{runtime} on {device}: real-time factor", f"{audio / wall:.2f}x "
                         f"({baseline[0] / wall:.2f}x the onnx speed)"))
            del engine
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"| {k.ljust(width)} | {v} |" for k, v in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
