"""The show's own sounds, synthesised here (no third-party audio): an intro/outro sting and a music bed."""
from __future__ import annotations

import numpy as np

# A major-seventh arpeggio, then the chord held: bright, short, recognisable.
STING_NOTES_HZ = (523.25, 659.25, 783.99, 987.77)   # C5 E5 G5 B5
BED_CHORDS_HZ = ((130.81, 196.00, 329.63), (110.00, 164.81, 261.63), (87.31, 174.61, 220.00),
                 (98.00, 146.83, 246.94))          # C, Am, F, G voiced low and open


def _tone(freq: float, seconds: float, rate: int, decay: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    # a bell-like partial mix: fundamental, octave and a soft twelfth, decaying
    wave = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(4 * np.pi * freq * t) + 0.1 * np.sin(6 * np.pi * freq * t)
    attack = np.minimum(1.0, t / 0.01)
    return (wave * attack * np.exp(-t / decay)).astype(np.float32)


def sting(rate: int, seconds: float = 2.2) -> np.ndarray:
    out = np.zeros(int(seconds * rate), np.float32)
    for i, freq in enumerate(STING_NOTES_HZ):
        start = int(i * 0.11 * rate)
        note = _tone(freq, seconds - i * 0.11, rate, decay=0.6)
        out[start:start + len(note)] += note
    fade = int(0.3 * rate)
    out[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return out / np.max(np.abs(out)) * 0.5


def music_bed(rate: int, seconds: float) -> np.ndarray:
    """A soft pad: slow chords with a gentle swell, seamless for any length."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros(n, np.float32)
    chord_s = 4.0
    for k, chord in enumerate(BED_CHORDS_HZ):
        # each chord sounds during its 4 s slot of a 16 s loop, with raised-cosine edges that overlap
        phase = ((t - k * chord_s) % (chord_s * len(BED_CHORDS_HZ))) / chord_s
        window = np.where(phase < 1.25, np.sin(np.pi * np.clip(phase / 1.25, 0, 1)) ** 2, 0.0)
        for freq in chord:
            out += (window * (np.sin(2 * np.pi * freq * t) + 0.2 * np.sin(4 * np.pi * freq * t))).astype(np.float32)
    swell = 0.85 + 0.15 * np.sin(2 * np.pi * t / 9.0)
    out *= swell.astype(np.float32)
    return out / max(float(np.max(np.abs(out))), 1e-9) * 0.5
