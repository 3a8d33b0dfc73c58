"""The demo: three small feeds of fictional news that ship with podcaster, so a first run needs no
network and no feeds of your own (`podcaster daily --demo`).

The demo is its own show: its episodes go to the data folder's demo/ (never your podcast folder)
and its memory is its own, so it neither tells your real show what was covered nor is told by it.
It is the show of the demo's news day, so every run tells the same stories: a second run reuses
the episode, `--force` makes it again.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from .config import EpisodeOptions, data_dir
from .errors import FeedsError

DEMO_DAY = date(2026, 11, 25)       # the day of the demo feeds' newest stories


def demo_feeds_dir() -> Path:
    """The demo feeds: in the wheel as podcaster/demo-feeds; a source checkout has them in examples/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "demo-feeds", here.parent / "examples" / "demo-feeds"):
        if candidate.is_dir():
            return candidate
    raise FeedsError("the demo feeds are missing from this install: reinstall podcaster-daily")


def demo_options(opts: EpisodeOptions, out: Path | None = None) -> EpisodeOptions:
    """opts for the demo show: the bundled feeds only, the demo's folder (or `out`) and memory."""
    home = data_dir() / "demo"
    feeds = tuple(str(path) for path in sorted(demo_feeds_dir().iterdir()) if path.suffix in (".xml", ".atom"))
    return replace(opts, feeds=None, feed_list=feeds, out=out or home / "episodes", memory=home / "history.db")
