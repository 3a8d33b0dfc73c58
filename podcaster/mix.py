"""Mixing: lines joined with the style's pauses, exported as MP3 through pydub and ffmpeg.

ffmpeg comes with the pip install (imageio-ffmpeg's bundled binary), so no system package
or PATH setup is needed.
"""
from __future__ import annotations

from pathlib import Path

import warnings

import numpy as np

with warnings.catch_warnings():  # pydub warns at import that ffmpeg is not on PATH; we hand it one
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from .types import LineAudio, Style

MP3_BITRATE = "128k"        # mono speech at 44.1 kHz: transparent for voices, ~1 MB a minute
MP3_SAMPLE_RATE = 44_100


def _ffmpeg() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def to_segment(samples: np.ndarray, sample_rate: int) -> AudioSegment:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    return AudioSegment(pcm.tobytes(), frame_rate=sample_rate, sample_width=2, channels=1)


def mix_lines(lines: list[LineAudio], style: Style) -> tuple[AudioSegment, list[tuple[float, float]]]:
    """One take: a short pause between turns, a longer one where a new story starts.

    Returns the audio and each line's (start, end) in seconds, measured on the audio itself.
    """
    if not lines:
        raise ValueError("nothing to mix")
    rate = lines[0].sample_rate
    show = AudioSegment.silent(duration=300, frame_rate=rate)
    spans = []
    previous = None
    for line in lines:
        if previous is not None:
            gap = style.segment_pause_ms if line.turn.segment != previous else style.turn_pause_ms
            show += AudioSegment.silent(duration=gap, frame_rate=rate)
        start = len(show)
        show += to_segment(line.samples, line.sample_rate)
        spans.append((start / 1000, len(show) / 1000))
        previous = line.turn.segment
    return show + AudioSegment.silent(duration=500, frame_rate=rate), spans


def export_mp3(audio: AudioSegment, path: Path, tags: dict[str, str]) -> None:
    AudioSegment.converter = _ffmpeg()
    audio.export(str(path), format="mp3", bitrate=MP3_BITRATE, tags=tags,
                 parameters=["-ar", str(MP3_SAMPLE_RATE)])


def read_audio(path: Path, sample_rate: int = 24_000) -> np.ndarray:
    """Decode any audio file to float32 mono with the bundled ffmpeg (pydub would need ffprobe too)."""
    import subprocess
    done = subprocess.run([_ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                           "-ar", str(sample_rate), "-"], capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768
