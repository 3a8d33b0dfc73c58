"""Loudness per ITU-R BS.1770 (measured with pyloudnorm) and a true-peak ceiling.

Podcast delivery targets: -16 LUFS integrated, true peak at most -1 dBTP. Lines are levelled
one by one first, so both hosts sound equally loud; the mix is then gained to the target
and any inter-sample peak above the ceiling is limited.
"""
from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

TARGET_LUFS = -16.0
LINE_LUFS = -20.0           # each voice line before mixing: equal loudness for both hosts
TRUE_PEAK_DBTP = -1.0
LIMIT_CEILING_DBTP = -1.6   # limiter ceiling: leaves room for the MP3 encoder's overshoot
MIN_GATE_S = 0.4            # BS.1770 gating blocks are 400 ms


MEASURE_RATE = 48_000       # BS.1770's K-weighting is specified at 48 kHz; at 24 kHz it drifts by ~0.7 dB


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    if not len(samples) or not np.any(samples):
        return -np.inf
    if rate != MEASURE_RATE:
        g = np.gcd(rate, MEASURE_RATE)
        samples = resample_poly(samples.astype(np.float64), MEASURE_RATE // g, rate // g)
    if len(samples) < MIN_GATE_S * MEASURE_RATE:   # a short "Right!": measure it repeated to one gating block
        samples = np.tile(samples, int(np.ceil(MIN_GATE_S * MEASURE_RATE / len(samples))) + 1)
    return float(pyloudnorm.Meter(MEASURE_RATE).integrated_loudness(samples.astype(np.float64)))


def true_peak_dbtp(samples: np.ndarray, rate: int) -> float:
    """BS.1770-4 Annex 2: the peak of the signal oversampled to 192 kHz or more (4x from 48 kHz)."""
    factor = 4 if rate >= 44_100 else 8
    peak = float(_peak_envelope(samples, 0.0, factor=factor).max()) if len(samples) else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def gain_to(samples: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    loudness = integrated_lufs(samples, rate)
    if not np.isfinite(loudness):
        return samples
    return (samples * 10 ** ((target_lufs - loudness) / 20)).astype(np.float32)


def _peak_envelope(samples: np.ndarray, threshold: float, block: int = 2048, factor: int = 4) -> np.ndarray:
    """Per-sample true-peak envelope. Oversampling is costly, and an inter-sample peak exceeds its
    neighbouring samples by well under 3 dB, so only blocks whose sample peak is within 3.5 dB of
    threshold are oversampled; elsewhere the sample peak stands in."""
    envelope = np.abs(samples).astype(np.float32)
    n_blocks = -(-len(samples) // block)
    padded = np.zeros(n_blocks * block, np.float32)
    padded[: len(samples)] = envelope
    hot = padded.reshape(n_blocks, block).max(axis=1) * 1.5 > threshold
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hot.astype(np.int8), [0]])))
    margin = 64   # the resampling filter's reach
    for first, last in zip(edges[::2], edges[1::2]):
        a, b = first * block, min(last * block, len(samples))
        lo, hi = max(0, a - margin), min(len(samples), b + margin)
        up = np.abs(resample_poly(samples[lo:hi].astype(np.float32), factor, 1))
        up = up[: (hi - lo) * factor].reshape(-1, factor).max(axis=1)
        envelope[a:b] = up[a - lo:b - lo]
    return envelope


def limit_true_peak(samples: np.ndarray, rate: int, ceiling_dbtp: float = LIMIT_CEILING_DBTP,
                    lookahead_s: float = 0.005) -> np.ndarray:
    """Look-ahead peak limiter on the 4x-oversampled envelope.

    The gain is the minimum needed over a window of 2 x lookahead, smoothed by a moving
    average over one lookahead: it reaches each peak's gain before the peak and never
    exceeds it (a window average of values all below it). No maintained Python library
    offers a true-peak limiter; the measurement itself is pyloudnorm's and BS.1770's.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    needed = np.minimum(1.0, ceiling / np.maximum(_peak_envelope(samples, ceiling), 1e-9))
    if needed.min() >= 1.0:
        return samples
    size = max(1, int(lookahead_s * rate))
    gain = minimum_filter1d(needed, size=2 * size + 1, mode="nearest")
    gain = uniform_filter1d(gain, size=size, mode="nearest")
    return (samples * np.minimum(gain, needed)).astype(np.float32)


def level_line(samples: np.ndarray, rate: int) -> np.ndarray:
    """One voice line at LINE_LUFS, its peaks already held under the ceiling the final gain will
    lift them to: so the master limiter has little to do and both hosts stay equally loud.

    Measured again after the peak hold, which costs some loudness on peaky voices, and topped
    up by that much (the master limiter catches the fraction of a dB this adds to peaks).
    """
    headroom = TARGET_LUFS - LINE_LUFS
    out = limit_true_peak(gain_to(samples, rate, LINE_LUFS), rate, LIMIT_CEILING_DBTP - headroom)
    return gain_to(out, rate, LINE_LUFS)


def master(samples: np.ndarray, rate: int) -> np.ndarray:
    """The finished mix at -16 LUFS with true peak under -1 dBTP.

    The lines arrive levelled and peak-held, so after the gain the limiter only trims what
    mixing added; that costs well under the +-1 LU tolerance, so it is not measured again.
    """
    return limit_true_peak(gain_to(samples, rate, TARGET_LUFS), rate)
