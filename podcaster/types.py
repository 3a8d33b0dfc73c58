"""The plain data that flows one way through the pipeline."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Story:
    id: str             # stable: hash of the entry's link (or guid, or source + title)
    title: str
    body: str           # plain text, no markup
    link: str
    source: str         # the feed's title
    published: datetime | None  # timezone-aware UTC, None when the feed gave no date


@dataclass(frozen=True)
class Host:
    """A voice preset: who speaks, how they sound, who they are."""
    key: str            # preset file name, e.g. "ava"
    name: str           # spoken name, e.g. "Ava"
    persona: str
    kokoro_voices: tuple[str, ...]  # first one the loaded voice pack has wins
    speed: float = 1.0


@dataclass(frozen=True)
class Style:
    """A style preset: how the show is written and delivered."""
    key: str
    description: str
    writing: str            # instructions for the writer
    speed: float            # speech speed multiplier
    words_per_minute: int   # spoken rate used to turn minutes into words
    words_per_story: int    # typical segment length, sets how many stories fit
    turn_pause_ms: int      # silence between turns
    segment_pause_ms: int   # silence between stories
    reaction_pause_ms: int = 120    # before or after a quick reaction ("Right!")
    music_bed: bool = True          # a bed under the opening and the sign-off
    sting_file: str | None = None   # your own intro/outro sting (any audio file)
    bed_file: str | None = None     # your own music bed


@dataclass
class Turn:
    speaker: str                     # host key
    text: str
    story_ids: list[str] = field(default_factory=list)
    segment: int = 0                 # 0 = opening, 1..n = story n, n+1 = sign-off


@dataclass
class Script:
    title: str
    date: str                        # YYYY-MM-DD
    hosts: dict[str, str]            # host key -> spoken name
    stories: list[Story]
    turns: list[Turn]

    def to_json(self) -> dict:
        data = asdict(self)
        for s in data["stories"]:
            s["published"] = s["published"].isoformat() if s["published"] else None
        return data

    def transcript(self) -> str:
        lines = [self.title, ""]
        segment = None
        for turn in self.turns:
            if segment is not None and turn.segment != segment:
                lines.append("")
            segment = turn.segment
            lines.append(f"{self.hosts[turn.speaker]}: {turn.text}")
        lines += ["", "Sources:"] + [f"- {s.title} ({s.source}) {s.link}" for s in self.stories]
        return "\n".join(lines) + "\n"


@dataclass
class LineAudio:
    turn: Turn
    samples: np.ndarray              # float32 mono in [-1, 1]
    sample_rate: int


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float        # seconds into the MP3
    end: float
    link: str = ""


@dataclass
class Episode:
    date: str
    mp3: Path
    script_json: Path
    transcript: Path
    duration_s: float
    script: Script
    chapters: list[Chapter] = field(default_factory=list)
    failed_feeds: list[str] = field(default_factory=list)
