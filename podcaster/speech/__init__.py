"""Speech: every turn of a script rendered in its host's voice at the style's speed."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from ..errors import GenerationError, model_fault
from ..types import Host, Lexicon, LineAudio, Style, Turn
from .cache import LineCache, line_key
from .engine import TTSEngine, pick_voice
from .runtimes import load_tts
from .speakable import speakable

log = logging.getLogger(__name__)

__all__ = ["LineCache", "TTSEngine", "load_tts", "pick_voice", "render_turns", "speakable"]

ATTEMPTS = 2
UNSPOKEN_SHARE = 0.1    # lines the TTS may fail on (each left out and logged) before the episode is not worth it


def render_turns(turns: list[Turn], hosts: dict[str, Host], voices: dict[str, str], style: Style,
                 engine: TTSEngine, on_line: Callable[[int, int], None] | None = None,
                 cache: LineCache | None = None, lexicon: Lexicon | None = None) -> list[LineAudio]:
    """voices: host key -> engine voice (pick_voice), chosen before the slow work starts.
    Each line is spoken as speakable() writes it out (numbers, money, dates, acronyms in words).
    With a cache, lines rendered before (by a run that crashed, say) are read back, not spoken again.
    A line the TTS fails on twice is left out of the result and logged; failing on more than a tenth
    of the lines (at least 2) is a GenerationError."""
    log.info("voices: %s", ", ".join(f"{hosts[k].name}={v}" for k, v in voices.items()))
    said = [speakable(t.text, lexicon) for t in turns]
    keys = [line_key(said[i], voices[t.speaker], style.speed * hosts[t.speaker].speed, engine.name, engine.weights,
                     engine.sample_rate) for i, t in enumerate(turns)]
    found = {i: audio for i, key in enumerate(keys) if cache and (audio := cache.get(key)) is not None}
    log.info("speech: %d lines, %d from the cache, %d to render", len(turns), len(found), len(turns) - len(found))
    allowed = max(1, int(len(turns) * UNSPOKEN_SHARE))
    results: dict[int, np.ndarray] = dict(found)
    failed = []
    # engine.streams lines at once, the longest first: a batching engine then gets lines of about
    # one length together, and the last to finish are short. Each is cached as soon as it is spoken.
    pool = ThreadPoolExecutor(max_workers=engine.streams, thread_name_prefix="tts")
    try:
        todo = sorted((i for i in range(len(turns)) if i not in found), key=lambda i: -len(said[i]))
        futures = {pool.submit(_synthesize, engine, said[i], voices[turns[i].speaker],
                               style.speed * hosts[turns[i].speaker].speed, i): i for i in todo}
        if on_line:
            on_line(len(results), len(turns))
        for future in as_completed(futures):
            i, (audio, problem) = futures[future], future.result()
            if audio is None:
                failed.append(f"line {i + 1}: {problem}")
                log.warning("line %d (%s) left out: the TTS failed on it %d times: %s", i + 1,
                            hosts[turns[i].speaker].name, ATTEMPTS, problem)
                if len(failed) > allowed:
                    raise GenerationError(f"the TTS ({engine.name}) failed on {len(failed)} of {len(turns)} lines "
                                          f"({failed[0]}); the log has each one")
            else:
                results[i] = audio
                if cache:
                    cache.put(keys[i], audio)
            if on_line:
                on_line(len(results) + len(failed), len(turns))
    finally:
        pool.shutdown(cancel_futures=True)    # on an error or Ctrl-C: only the lines being spoken finish
    return [LineAudio(turn, results[i], engine.sample_rate) for i, turn in enumerate(turns) if i in results]


def _synthesize(engine: TTSEngine, text: str, voice: str, speed: float, index: int) -> tuple[np.ndarray | None, str]:
    """(the line's audio, "") or, when every try failed, (None, what went wrong on the last)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            audio = engine.synthesize(text, voice, speed)
            if audio.size:
                return audio, ""
            problem = "no audio"
        except (RuntimeError, ValueError, MemoryError) as e:
            fault = model_fault(e, "the TTS", engine.device)
            problem = str(fault or e).splitlines()[0] if str(fault or e) else type(e).__name__
        log.info("line %d, try %d: %s", index + 1, attempt, problem)
    return None, problem
