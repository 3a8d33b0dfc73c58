"""Mixing: levelled lines, pauses that follow the conversation, stings and a ducked music bed,
mastered to podcast loudness and exported as MP3 through pydub and ffmpeg.

ffmpeg comes with the pip install (imageio-ffmpeg's bundled binary), so no system package
or PATH setup is needed.
"""
from __future__ import annotations

import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter1d

from . import loudness, sounds
from .errors import MediaError
from .files import MB, check_regular
from .types import LineAudio, Style

with warnings.catch_warnings():  # pydub warns at import that ffmpeg is not on PATH; we hand it one
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

MP3_BITRATE = "128k"        # mono speech at 44.1 kHz: transparent for voices, ~1 MB a minute
MP3_SAMPLE_RATE = 44_100
QUICK_REACTION_WORDS = 6    # a turn this short is a reaction: it follows the last line closely
BED_LEVEL = 0.35            # music bed gain alone, and under speech (about -22 dB lower)
BED_DUCKED = 0.028
DUCK_RAMP_S = 0.25
OUTRO_GAP_S = 0.6           # after the last line, before the outro sting
BED_FADE_S = 1.5
AUDIO_MAX = 200 * MB        # a sting or bed file; more is not one (and ffmpeg would read it all)
AUDIO_MAX_S = 600           # decoded at most: a bed loops, a sting is seconds long


@dataclass
class Sounds:
    """What frames the speech: None turns a part off."""
    sting: np.ndarray | None
    bed: np.ndarray | None   # a loop source; repeated as needed


def _ffmpeg() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def read_audio(path: Path, sample_rate: int = 24_000) -> np.ndarray:
    """Decode any audio file to float32 mono with the bundled ffmpeg (pydub would need ffprobe too).
    A FIFO or device would keep ffmpeg reading forever, so only a regular file is handed to it."""
    check_regular(path, AUDIO_MAX, "audio file", MediaError)
    # file: so that a name like "concat:..." or "http:..." is a file name, never an ffmpeg protocol
    done = subprocess.run([_ffmpeg(), "-v", "error", "-i", f"file:{path}", "-t", str(AUDIO_MAX_S), "-f", "s16le",
                           "-ac", "1", "-ar", str(sample_rate), "-"], capture_output=True)
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio in it"]
        raise MediaError(f"cannot read audio file {path}: {reason[0]}")
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32768


def load_sounds(style: Style, rate: int, sting_file: Path | None = None, bed_file: Path | None = None) -> Sounds:
    """The style's sounds: the user's files where given (flag, then style), else our own."""
    sting_file = sting_file or (Path(style.sting_file) if style.sting_file else None)
    bed_file = bed_file or (Path(style.bed_file) if style.bed_file else None)
    sting = read_audio(sting_file, rate) if sting_file else sounds.sting(rate)
    bed = None
    if style.music_bed:
        bed = read_audio(bed_file, rate) if bed_file else sounds.music_bed(rate, 16.0)
    return Sounds(sting=sting, bed=bed)


def _pause_ms(previous: LineAudio, line: LineAudio, style: Style) -> int:
    if line.turn.segment != previous.turn.segment:
        return style.segment_pause_ms
    quick = min(len(previous.turn.text.split()), len(line.turn.text.split())) <= QUICK_REACTION_WORDS
    return style.reaction_pause_ms if quick else style.turn_pause_ms


def _loop(source: np.ndarray, n: int) -> np.ndarray:
    return np.tile(source, n // len(source) + 1)[:n]


def _fade_edges(x: np.ndarray, fade: int) -> np.ndarray:
    fade = min(fade, len(x) // 2)
    if fade:
        ramp = np.linspace(0, 1, fade, dtype=np.float32)
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    return x


def _lead_in(sounds: Sounds, rate: int) -> int:
    """Samples before the first line: most of the sting, or a breath."""
    return int(0.75 * len(sounds.sting)) if sounds.sting is not None else int(0.3 * rate)


def _tail(sounds: Sounds, rate: int) -> int:
    """Samples from the outro's start to the end: the sting and a little silence."""
    return (len(sounds.sting) if sounds.sting is not None else 0) + int(0.5 * rate)


def framing_seconds(sounds: Sounds, rate: int) -> float:
    """The part of an episode that is neither lines nor the pauses between them."""
    return (_lead_in(sounds, rate) + _tail(sounds, rate)) / rate + OUTRO_GAP_S


def mix_lines(lines: list[LineAudio], style: Style, sounds: Sounds | None = None
              ) -> tuple[np.ndarray, int, list[tuple[float, float]]]:
    """One produced take: returns mastered samples, their rate, and each line's (start, end) in seconds.

    Lines are levelled to the same loudness; the intro sting leads into the opening, the bed
    plays under the opening and the sign-off, ducked while anyone speaks.
    """
    if not lines:
        raise ValueError("nothing to mix")
    sounds = sounds or Sounds(None, None)
    rate = lines[0].sample_rate
    levelled = [loudness.level_line(line.samples, rate) for line in lines]
    lead_in = _lead_in(sounds, rate)
    starts, cursor = [], lead_in
    for i, samples in enumerate(levelled):
        if i:
            cursor += int(_pause_ms(lines[i - 1], lines[i], style) * rate / 1000)
        starts.append(cursor)
        cursor += len(samples)
    outro_at = cursor + int(OUTRO_GAP_S * rate)
    total = outro_at + _tail(sounds, rate)

    speech = np.zeros(total, np.float32)
    talking = np.zeros(total, np.float32)
    for start, samples in zip(starts, levelled):
        speech[start:start + len(samples)] += samples
        talking[start:start + len(samples)] = 1.0
    mix = speech
    if sounds.bed is not None:
        mix = mix + _bed_track(sounds.bed, lines, starts, levelled, talking, total, rate)
    if sounds.sting is not None:
        sting = loudness.gain_to(sounds.sting, rate, loudness.LINE_LUFS - 2)
        mix[: len(sting)] += sting
        mix[outro_at:outro_at + len(sting)] += sting
    spans = [(s / rate, (s + len(x)) / rate) for s, x in zip(starts, levelled)]
    return loudness.master(mix, rate), rate, spans


def _bed_track(bed: np.ndarray, lines: list[LineAudio], starts: list[int], levelled: list[np.ndarray],
               talking: np.ndarray, total: int, rate: int) -> np.ndarray:
    """The bed under the opening (segment 0) and the sign-off (the last, story-less segment)."""
    duck = uniform_filter1d(talking, size=int(DUCK_RAMP_S * rate), mode="nearest")
    gain = BED_LEVEL - (BED_LEVEL - BED_DUCKED) * np.clip(duck * 2, 0, 1)
    bed_full = _loop(loudness.gain_to(bed, rate, loudness.LINE_LUFS - 4), total) * gain
    track = np.zeros(total, np.float32)
    opening = [i for i, line in enumerate(lines) if line.turn.segment == 0]
    closing_segment = lines[-1].turn.segment
    closing = [i for i, line in enumerate(lines)
               if line.turn.segment == closing_segment and not line.turn.story_ids and closing_segment != 0]
    fade = int(BED_FADE_S * rate)
    windows = []
    if opening:
        windows.append((0, starts[opening[-1]] + len(levelled[opening[-1]]) + fade))
    if closing:
        windows.append((max(0, starts[closing[0]] - fade), total))
    for begin, end in windows:
        track[begin:end] = _fade_edges(bed_full[begin:end].copy(), fade)
    return track


def to_segment(samples: np.ndarray, rate: int) -> AudioSegment:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    return AudioSegment(pcm.tobytes(), frame_rate=rate, sample_width=2, channels=1)


def export_mp3(samples: np.ndarray, rate: int, path: Path) -> None:
    """Encode to MP3 (128 kbit/s, 44.1 kHz mono); tags are written afterwards by tags.py."""
    AudioSegment.converter = _ffmpeg()
    to_segment(samples, rate).export(str(path), format="mp3", bitrate=MP3_BITRATE,
                                     parameters=["-ar", str(MP3_SAMPLE_RATE)])
