"""How fast each voice speaks, so that --minutes becomes the right number of words; and, once the
lines are spoken, which to leave out when they still run over.

A voice's rate (written words per minute, at a speed, on given weights) is measured once on a
sample passage and cached; every episode then blends in what its own lines took, so the next
budget follows the voices as they really speak.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from ..files import atomic_path
from ..types import LineAudio, Style
from .engine import TTSEngine
from .speakable import speakable

log = logging.getLogger(__name__)

RATES_FILE = "speaking-rates.json"
SAMPLE = ("The city council voted on Tuesday to keep the harbour ferries running into the evening. Officials "
          "said the change would cost about 2 million euros a year and carry some 3,000 more passengers each "
          "week. Critics asked whether the money would be better spent on buses, but the mayor said the boats "
          "were quieter, cleaner and already popular with commuters.")
PLAUSIBLE = (100.0, 220.0)  # words per minute a listener can follow; outside it a measurement is off
TURN_WORDS = 30             # a typical turn, to share the pauses between turns out over the words
LEARN = 0.5                 # weight of the latest episode in a voice's rate


def _key(engine: TTSEngine, voice: str, speed: float) -> str:
    return f"{engine.name}|{engine.weights}|{voice}|{speed:.3f}"


def _read(path: Path) -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _write(path: Path, rates: dict[str, float]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(rates, indent=1, sort_keys=True), encoding="utf-8")
    except OSError as e:     # a rate not kept is measured again next time
        log.warning("cannot save speaking rates to %s (%s)", path, e.strerror or e)


def _clamp(rate: float) -> float:
    return min(max(rate, PLAUSIBLE[0]), PLAUSIBLE[1])


def speaking_rate(engine: TTSEngine, voice: str, speed: float, folder: Path, default: float) -> float:
    """Written words per minute of this voice at this speed: from the cache, else measured now
    (default if the voice cannot say the sample: the lines will tell how it fails)."""
    path, key = folder / RATES_FILE, _key(engine, voice, speed)
    rates = _read(path)
    if key not in rates:
        try:
            audio = engine.synthesize(speakable(SAMPLE), voice, speed)
        except (RuntimeError, ValueError, MemoryError) as e:
            log.warning("cannot time %s (%s); taking %.0f words a minute", voice, str(e)[:100], default)
            return default
        rates[key] = _clamp(len(SAMPLE.split()) / (len(audio) / engine.sample_rate / 60))
        log.info("speaking rate of %s at speed %.2f: %.0f words a minute (measured once)", voice, speed, rates[key])
        _write(path, rates)
    return rates[key]


def learn_rates(lines: list[LineAudio], engine: TTSEngine, voices: dict[str, str], speeds: dict[str, float],
                folder: Path) -> None:
    """Blend each voice's rate in these lines (host key -> voice, speed) into the cached one."""
    path = folder / RATES_FILE
    rates = _read(path)
    for host, voice in voices.items():
        spoken = [line for line in lines if line.turn.speaker == host]
        seconds = sum(len(line.samples) for line in spoken) / engine.sample_rate
        if seconds < 20:        # too little to learn from
            continue
        heard = len(" ".join(line.turn.text for line in spoken).split()) / (seconds / 60)
        key = _key(engine, voice, speeds[host])
        rates[key] = _clamp(heard if key not in rates else (1 - LEARN) * rates[key] + LEARN * heard)
    _write(path, rates)


def word_budget(minutes: float, words_per_minute: float, style: Style, framing_s: float, segments: int) -> int:
    """Words that fill minutes at this rate, less the framing (stings, lead-in and -out) and the pauses
    between segments and between turns."""
    seconds = minutes * 60 - framing_s - max(segments - 1, 0) * style.segment_pause_ms / 1000
    per_word = 60 / words_per_minute + style.turn_pause_ms / 1000 / TURN_WORDS
    return max(1, round(seconds / per_word))


def lines_over(lines: list[LineAudio], excess_s: float, pause_s: float) -> list[LineAudio]:
    """The lines without the last turns of the longest story segments, until at least excess_s
    (each line's audio and the pause after it) is gone. The opening and sign-off stay whole, every
    story keeps its first two turns, and no story is left ending on a question."""
    stories = sorted({line.turn.segment for line in lines})[1:-1]
    segments = {s: [line for line in lines if line.turn.segment == s] for s in stories}

    def seconds(segment: list[LineAudio]) -> float:
        return sum(len(line.samples) / line.sample_rate for line in segment)

    cut, dropped = 0.0, set()
    while cut < excess_s:
        trimmable = [s for s in stories if len(segments[s]) > 2]
        if not trimmable:
            break
        segment = segments[max(trimmable, key=lambda s: seconds(segments[s]))]
        gone = [segment.pop()]
        while len(segment) > 2 and segment[-1].turn.text.rstrip().endswith("?"):
            gone.append(segment.pop())
        cut += sum(len(line.samples) / line.sample_rate + pause_s for line in gone)
        dropped |= {id(line) for line in gone}
    return [line for line in lines if id(line) not in dropped]
