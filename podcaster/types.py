"""The plain data that flows one way through the pipeline."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FetchLimits:
    """How much one feed may cost; the profile's [fetch] table sets them (README, Feeds)."""
    connect_s: float = 5.0
    read_s: float = 10.0            # the longest wait for the next bytes
    total_s: float = 30.0           # a server that drips bytes is cut off here (within one read_s)
    max_mb: float = 10.0            # body size, after decompression
    max_redirects: int = 5
    max_entries: int = 200          # per feed
    max_body_chars: int = 20_000    # per entry
    # Links a feed gives (article pages, redirects) never reach loopback, private or link-local
    # addresses unless this is true: for a listener whose own feeds link to their own network.
    local_links: bool = False

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


@dataclass(frozen=True)
class Show:
    """The show's identity (the profile's [show]): said in its script, and written into its MP3 tags,
    feed.xml and drawn cover."""
    name: str = "The Daily Feed"
    description: str = ("Your news feeds, talked through by two hosts every morning. "
                        "Made by podcaster on your own hardware.")
    author: str = ""            # who makes it; "" leaves the feed's author to the hosts, the MP3's unset
    language: str = "en"        # a BCP 47 tag, English only: the script and the voices are English
    category: str = "News"      # an Apple Podcasts category, or "Category/Subcategory"
    explicit: bool = False


@dataclass(frozen=True)
class Story:
    id: str             # stable: hash of the entry's link (or guid, or source + title)
    title: str
    body: str           # plain text, no markup
    link: str
    source: str         # the feed's title
    published: datetime | None  # timezone-aware UTC, None when the feed gave no date


@dataclass(frozen=True)
class Cluster:
    """One piece of news, told as one segment: the stories (from one or more feeds) that report it."""
    id: str                          # stable: hash of its lead story's id
    stories: tuple[Story, ...]       # lead first; all are cited
    score: float = 0.0
    reasons: tuple[str, ...] = ()    # why it was chosen, for `podcaster preview`
    update_of: str = ""              # date of an earlier episode that told this story: framed as an update
    previously: str = ""             # what that episode covered (its titles), for the writer

    @property
    def title(self) -> str:
        return self.stories[0].title

    @property
    def link(self) -> str:
        return self.stories[0].link

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(s.source for s in self.stories))


@dataclass(frozen=True)
class Covered:
    """A story an earlier episode told (from memory)."""
    date: str           # the episode's date, YYYY-MM-DD
    story: Story


@dataclass(frozen=True)
class Preferences:
    """What this listener wants: weights per interest (a topic name or keyword) and per source, and
    what never to hear. Sources match a feed's title or a part of its URL, case-insensitively."""
    interests: dict[str, float] = field(default_factory=dict)
    source_weights: dict[str, float] = field(default_factory=dict)
    exclude_topics: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()


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
    time_of_day: str = ""           # "morning" or "evening": when the show goes out ("" any time)


@dataclass(frozen=True)
class Lexicon:
    """How to say what the TTS reads wrong: voices/lexicon.toml, with the profile's [lexicon] over it."""
    say: dict[str, str] = field(default_factory=dict)                   # written -> spoken, whole words
    word_acronyms: frozenset[str] = frozenset()                        # all-caps names said as words
    units: dict[str, tuple[str, str]] = field(default_factory=dict)    # "km" -> ("kilometer", "kilometers")


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
    clusters: list[Cluster]          # one per story segment, in show order
    turns: list[Turn]
    notes: dict[str, list[str]] = field(default_factory=dict)   # cluster id -> the notes its segment was written from

    @property
    def stories(self) -> list[Story]:
        """Every story the show cites, segment by segment."""
        return [s for c in self.clusters for s in c.stories]

    def to_json(self) -> dict:
        def story(s: Story) -> dict:
            return {**asdict(s), "published": s.published.isoformat() if s.published else None}
        return {"title": self.title, "date": self.date, "hosts": self.hosts,
                "stories": [story(s) for s in self.stories],
                "segments": [{"id": c.id, "title": c.title, "story_ids": [s.id for s in c.stories],
                              "sources": c.sources, "update_of": c.update_of, "previously": c.previously,
                              "notes": self.notes.get(c.id, [])}
                             for c in self.clusters],
                "turns": [asdict(t) for t in self.turns]}

    @classmethod
    def from_json(cls, data: dict) -> Script:
        stories = {s["id"]: Story(s["id"], s["title"], s["body"], s["link"], s["source"],
                                  datetime.fromisoformat(s["published"]) if s["published"] else None)
                   for s in data["stories"]}
        clusters = [Cluster(c["id"], tuple(stories[i] for i in c["story_ids"]), update_of=c["update_of"],
                            previously=c["previously"]) for c in data["segments"]]
        turns = [Turn(t["speaker"], t["text"], list(t["story_ids"]), t["segment"]) for t in data["turns"]]
        notes = {c["id"]: list(c.get("notes", [])) for c in data["segments"]}
        return cls(data["title"], data["date"], data["hosts"], clusters, turns, notes)

    def keeping(self, turns: list[Turn]) -> Script:
        """This script with only these turns (say, those the TTS could speak), and the segments they still tell."""
        cited = {i for turn in turns for i in turn.story_ids}
        return replace(self, turns=turns, clusters=[c for c in self.clusters if any(s.id in cited for s in c.stories)])

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
    unspoken_lines: int = 0     # script lines the TTS failed on, left out
