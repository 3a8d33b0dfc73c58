"""Voice samples (`podcaster voices --sample DIR`): a short clip of each host preset, spoken, levelled
and mastered the way an episode's lines are, so a voice can be heard before it is chosen."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import EpisodeOptions, load_host, load_lexicon, load_style, preset_names
from .errors import GenerationError
from .mix import export_mp3, mix_lines
from .models import resolve_device
from .publish import ensure_writable, write_atomic
from .speech import load_tts, pick_voice, render_turns
from .types import Host, Turn

# after the host's introduction: a line of news with a time and a number, as the voices are given them
NEWS = "Here is how I sound on the show: the 8:15 ferry crossed the bay in 18 minutes this morning."
ROLE_WORDS = 8      # a persona's opening words up to its colon, "the anchor", said when about this short


@dataclass
class Sample:
    host: Host
    voice: str          # the engine's voice the host got (pick_voice)
    path: Path
    seconds: float


def introduction(host: Host) -> str:
    """What a host says in its clip, in its own words: "Hi, I'm Ava, the anchor. Here is how I sound ..."."""
    role = host.persona.split(":")[0].strip().rstrip(".")
    role = f", {role}" if role and len(role.split()) <= ROLE_WORDS else ""
    return f"Hi, I'm {host.name}{role}. {NEWS}"


def write_samples(opts: EpisodeOptions, folder: Path) -> list[Sample]:
    """folder/PRESET.mp3 for every host preset (yours and the bundled), spoken by the TTS `daily` would
    load (opts.tts, runtime, device) at the speed of opts.style, with opts.lexicon."""
    opts.validate()
    hosts = {key: load_host(key) for key in preset_names("hosts")}
    style = load_style(opts.style)
    ensure_writable(folder, "pass --sample with a folder you can write")
    engine = load_tts(opts.tts, opts.runtime, resolve_device(opts.device))
    voices = {key: pick_voice(host, engine) for key, host in hosts.items()}
    turns = [Turn(key, introduction(host)) for key, host in hosts.items()]
    lines = render_turns(turns, hosts, voices, style, engine, lexicon=load_lexicon(opts.lexicon))
    spoken = {line.turn.speaker for line in lines}
    unspoken = [host.name for key, host in hosts.items() if key not in spoken]
    if unspoken:
        raise GenerationError(f"the TTS ({engine.name}) could not speak the sample of {', '.join(unspoken)}; "
                              f"the log says why")
    samples = []
    for line in lines:
        audio, rate, _ = mix_lines([line], style)
        path = _write_mp3(folder / f"{line.turn.speaker}.mp3", audio, rate)
        samples.append(Sample(hosts[line.turn.speaker], voices[line.turn.speaker], path, len(audio) / rate))
    return samples


def _write_mp3(path: Path, audio: np.ndarray, rate: int) -> Path:
    return write_atomic(path, lambda tmp: export_mp3(audio, rate, tmp))
