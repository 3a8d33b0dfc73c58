"""Publishing: the episode's files in the output folder, each written whole or not at all."""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import show_notes
from .artwork import directory_problem, draw_default_cover, drawn_title, image_mime
from .errors import OutputError
from .files import atomic_path
from .mix import export_mp3
from .podcast_feed import FEED_NAME, build_feed, episode_paths
from .tags import write_tags
from .types import Episode, Script, Show

log = logging.getLogger(__name__)

def ensure_writable(folder: Path, remedy: str = "pass --out with a folder you can write") -> Path:
    """Create folder and prove it can hold a file, before any slow work starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".podcaster-check-"):
            pass
    except OSError as e:
        raise OutputError(f"cannot write to {folder} ({e.strerror or e}); {remedy}") from None
    return folder


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    """target written whole or not at all: `write` fills a temporary path beside it (files.atomic_path)."""
    try:
        with atomic_path(target) as tmp:
            write(tmp)
    except OSError as e:
        raise OutputError(f"cannot write {target} ({e.strerror or e})") from None
    return target


def write_text(target: Path, text: str) -> Path:
    return write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(target: Path, data: dict) -> Path:
    return write_text(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")




def remove_episode_files(out: Path, day: str) -> None:
    """Delete an episode's files, the JSON first: a half-deleted episode no longer counts as one."""
    paths = episode_paths(out, day)
    for kind in ["json", *(k for k in paths if k != "json")]:
        try:
            paths[kind].unlink(missing_ok=True)
        except OSError as e:
            raise OutputError(f"cannot delete {paths[kind]} ({e.strerror or e})") from None


def remove_stale_temps(out: Path) -> None:
    """Temp files a killed run left behind (only podcaster's own, and only while holding the run lock)."""
    if out.is_dir():
        for path in out.glob(".*.tmp"):
            if path.name.startswith((".podcaster-", f".{FEED_NAME}.", ".cover.")):
                path.unlink(missing_ok=True)


def write_feed(out: Path, base_url: str, episodes: list[dict] | None = None, show: Show = Show()) -> Path:
    """feed.xml for the episodes now in out (podcast_feed.kept_episodes, unless given)."""
    return write_text(out / FEED_NAME, build_feed(out, base_url, show, episodes))


def _cover(out: Path, artwork: Path | None, show: Show) -> Path:
    """The feed's cover in out: the user's artwork copied in, or ours, drawn again when the show's
    name is not the one on it."""
    if artwork:
        suffix = ".png" if image_mime(artwork) == "image/png" else ".jpg"
        problem = directory_problem(artwork)
        if problem:
            log.warning("artwork %s: podcast directories may refuse it: %s", artwork, problem)
        for old in out.glob("cover.*"):
            if old.suffix != suffix:
                old.unlink()
        return write_atomic(out / f"cover{suffix}", lambda p: shutil.copyfile(artwork, p))
    existing = sorted(out.glob("cover.*"))
    if existing and drawn_title(existing[0]) in (None, show.name):
        return existing[0]
    return write_atomic(out / "cover.png", lambda p: draw_default_cover(p, show.name))


def publish_episode(out: Path, script: Script, samples: np.ndarray, rate: int, spans: list[tuple[float, float]],
                    *, base_url: str, artwork: Path | None = None, failed_feeds: list[str] | None = None,
                    show: Show = Show()) -> Episode:
    """Write every file of the episode (each atomically, the JSON last), then the podcast feed."""
    duration = len(samples) / rate
    chapters = show_notes.story_chapters(script, spans, duration)
    paths = episode_paths(out, script.date)
    try:    # a remade day: the old take stops counting as complete before any of its files is replaced
        paths["json"].unlink(missing_ok=True)
    except OSError as e:
        raise OutputError(f"cannot replace {paths['json']} ({e.strerror or e})") from None
    cover = _cover(out, artwork, show)
    notes_markdown = show_notes.show_notes_markdown(script, chapters)

    def mp3(tmp: Path) -> None:
        export_mp3(samples, rate, tmp)
        write_tags(tmp, title=script.title, show=show, hosts=" & ".join(script.hosts.values()),
                   date=script.date, description=notes_markdown, chapters=chapters, artwork=cover)
    write_atomic(paths["mp3"], mp3)
    write_text(paths["transcript"], script.transcript())
    write_text(paths["vtt"], show_notes.webvtt(script, spans))
    write_text(paths["notes_md"], notes_markdown)
    write_text(paths["notes_html"], show_notes.show_notes_html(script, chapters))
    write_text(paths["chapters"], show_notes.chapters_json(chapters))
    data = script.to_json()
    for turn, (start, end) in zip(data["turns"], spans):
        turn["start"], turn["end"] = round(start, 3), round(end, 3)
    data.update(duration=round(duration, 3), published=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                files={kind: path.name for kind, path in paths.items() if kind != "json"})
    write_json(paths["json"], data)
    write_feed(out, base_url, show=show)
    return Episode(date=script.date, mp3=paths["mp3"], script_json=paths["json"], transcript=paths["transcript"],
                   duration_s=duration, script=script, chapters=chapters, failed_feeds=failed_feeds or [])
