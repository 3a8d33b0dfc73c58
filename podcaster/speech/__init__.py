"""Speech: every turn of a script rendered in its host's voice at the style's speed."""
from __future__ import annotations

import logging
from collections.abc import Callable

from ..errors import GenerationError
from ..types import Host, LineAudio, Style, Turn
from .engine import TTSEngine, load_tts, pick_voice

log = logging.getLogger(__name__)

__all__ = ["TTSEngine", "load_tts", "pick_voice", "render_turns"]

ATTEMPTS = 2


def render_turns(turns: list[Turn], hosts: dict[str, Host], voices: dict[str, str], style: Style,
                 engine: TTSEngine, on_line: Callable[[int, int], None] | None = None) -> list[LineAudio]:
    """voices: host key -> engine voice (pick_voice), chosen before the slow work starts."""
    log.info("voices: %s", ", ".join(f"{hosts[k].name}={v}" for k, v in voices.items()))
    lines = []
    for i, turn in enumerate(turns):
        if on_line:
            on_line(i, len(turns))
        speed = style.speed * hosts[turn.speaker].speed
        lines.append(LineAudio(turn, _synthesize(engine, turn.text, voices[turn.speaker], speed, i),
                               engine.sample_rate))
    if on_line:
        on_line(len(turns), len(turns))
    return lines


def _synthesize(engine: TTSEngine, text: str, voice: str, speed: float, index: int):
    for attempt in range(1, ATTEMPTS + 1):
        try:
            audio = engine.synthesize(text, voice, speed)
            if audio.size:
                return audio
            problem = "no audio"
        except (RuntimeError, ValueError) as e:
            problem = str(e).splitlines()[0] if str(e) else type(e).__name__
        log.warning("line %d, try %d: %s", index + 1, attempt, problem)
    raise GenerationError(f"the TTS ({engine.name}) failed on line {index + 1}: {problem}")
