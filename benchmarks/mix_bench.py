"""Mixing and export speed per minute of audio, against the naive way (concatenate and encode).

Input: the lines of a real episode script (sample_lines.txt) spoken by the offline Kokoro
voices, rendered once and cached. Prints a table of medians of repeats.

    python benchmarks/mix_bench.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from podcaster import loudness  # noqa: E402
from podcaster.config import cache_dir, load_host, load_style  # noqa: E402
from podcaster.mix import export_mp3, load_sounds, mix_lines, to_segment  # noqa: E402
from podcaster.publish import publish_episode  # noqa: E402
from podcaster.types import LineAudio, Script, Turn  # noqa: E402


def rendered_lines() -> list[LineAudio]:
    texts = [line for line in (HERE / "sample_lines.txt").read_text().splitlines() if line and not line.startswith("#")]
    turns = [Turn("ava" if i % 2 == 0 else "kai", text, [], min(i // 6, 4)) for i, text in enumerate(texts)]
    cached = cache_dir() / "bench" / "sample_lines.npz"
    if not cached.is_file():
        from podcaster.speech import load_tts, pick_voice, render_turns
        engine = load_tts(None, "onnx", "cpu")
        hosts = {"ava": load_host("ava"), "kai": load_host("kai")}
        voices = {key: pick_voice(host, engine) for key, host in hosts.items()}
        lines = render_turns(turns, hosts, voices, load_style("morning"), engine)
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, *[line.samples for line in lines])
    with np.load(cached) as data:
        return [LineAudio(turn, data[f"arr_{i}"], 24_000) for i, turn in enumerate(turns)]


def naive(lines: list[LineAudio], out: Path) -> None:
    """What the peers do: join the clips with a fixed gap and encode."""
    from pydub import AudioSegment
    show = AudioSegment.empty()
    for line in lines:
        show += to_segment(line.samples, line.sample_rate) + AudioSegment.silent(300, frame_rate=24_000)
    AudioSegment.converter = __import__("imageio_ffmpeg").get_ffmpeg_exe()
    show.export(str(out), format="mp3", bitrate="128k")


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    lines = rendered_lines()
    style = load_style("morning")
    sounds = load_sounds(style, 24_000)
    script = Script("Bench", "2026-11-26", {"ava": "Ava", "kai": "Kai"}, [], [line.turn for line in lines])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        samples, rate, spans = mix_lines(lines, style, sounds)
        minutes = len(samples) / rate / 60
        rows = [
            ("level lines (BS.1770 + peak hold)",
             timed(lambda: [loudness.level_line(line.samples, 24_000) for line in lines], repeats)),
            ("mix + master (levelling, bed, stings, limiter)", timed(lambda: mix_lines(lines, style, sounds), repeats)),
            ("export MP3 only", timed(lambda: export_mp3(samples, rate, out / "x.mp3"), repeats)),
            ("publish (MP3 + tags + VTT + notes + feed)", timed(lambda: publish_episode(
                out, script, samples, rate, spans, base_url="http://localhost:8000/"), repeats)),
        ]
        total = rows[1][1] + rows[3][1]
        naive_s = timed(lambda: naive(lines, out / "naive.mp3"), repeats)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"audio: {minutes:.2f} min from {len(lines)} real Kokoro lines; median of {repeats}")
    print("| stage | seconds | s per minute of audio |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / minutes:.2f} |")
    print(f"| **mix and export, total** | {total:.2f} | {total / minutes:.2f} |")
    print(f"| naive: concatenate + encode | {naive_s:.2f} | {naive_s / minutes:.2f} |")
    print(f"| ratio, ours / naive | {total / naive_s:.1f}x | |")


if __name__ == "__main__":
    main()
