"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces, rebuilt from the
episodes in the output folder (an episode whose MP3 or script is gone drops out). Chapters go both
ways clients read them: a Podcasting 2.0 JSON link, and Podlove Simple Chapters in the item (what
gPodder, Podlove players and others read)."""
from __future__ import annotations

import json
import logging
import math
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from .config import check_base_url
from .errors import OutputError, PodcasterError
from .files import MB, read_capped
from .types import Show

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
PSC = "http://podlove.org/simple-chapters"
FEED_NAME = "feed.xml"
EPISODE_JSON = re.compile(r"podcaster-(\d{4}-\d{2}-\d{2})\.json")
EPISODE_JSON_MAX = 20 * MB      # a script JSON, or show notes: an hour's show is well under 1 MB
# Apple Podcasts' categories and their subcategories, spelled as Apple does (clients and directories
# refuse others): the profile's [show] category is one of these, or "Category/Subcategory"
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
for prefix, uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM), ("psc", PSC)):
    ET.register_namespace(prefix, uri)
log = logging.getLogger(__name__)


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _sub(parent: ET.Element, tag: str, content: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if content is not None:
        el.text = content
    return el


EPISODE_FILES = {"mp3": ".mp3", "transcript": ".txt", "vtt": ".vtt", "notes_md": ".md", "notes_html": ".html",
                 "chapters": ".chapters.json", "json": ".json"}


def episode_paths(out: Path, day: str) -> dict[str, Path]:
    """The episode's files; the script JSON is written last and marks the episode complete.
    Names come only from a date, so none can point outside out (a date read back from a file is checked)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise OutputError(f"{day!r} is not a YYYY-MM-DD date; no episode file is named after it")
    return {kind: out / f"podcaster-{day}{suffix}" for kind, suffix in EPISODE_FILES.items()}


def kept_episodes(out: Path) -> list[dict]:
    """Episodes whose script JSON and MP3 are both in out, newest first. Their "files" are the ones
    podcaster names after the episode's date (episode_paths) and finds in out, whatever the
    JSON says: a JSON naming "/etc/passwd" or "../x" must not bring that file into the feed."""
    episodes = []
    for path in sorted(out.glob("podcaster-*.json")):
        named = EPISODE_JSON.fullmatch(path.name)   # not the .chapters.json beside it
        data = _episode_data(path, named[1]) if named else None
        if data is None:
            continue
        files = {kind: own.name for kind, own in episode_paths(out, named[1]).items()
                 if kind != "json" and own.is_file() and not own.is_symlink()}
        if "mp3" in files:
            episodes.append({**data, "files": files})
    return sorted(episodes, key=lambda d: (d["date"], d.get("published") or ""), reverse=True)


def _episode_data(path: Path, day: str) -> dict | None:
    """The fields of a script JSON the feed uses, if they are what publish wrote; None (logged) if not."""
    try:
        data = json.loads(read_capped(path, EPISODE_JSON_MAX, "episode script", OutputError))
        hosts, published = data["hosts"], data.get("published")
        if data["date"] != day or not isinstance(data["title"], str) or not isinstance(hosts, dict) \
                or not all(isinstance(h, str) for h in hosts.values()) \
                or not math.isfinite(data["duration"]) or data["duration"] < 0:
            raise ValueError("its date, title, hosts or duration is not one podcaster writes")
        if published is not None and datetime.fromisoformat(published).tzinfo is None:
            raise ValueError(f"its published time {published!r} has no offset")
    except (PodcasterError, ValueError, KeyError, TypeError) as e:   # JSONDecodeError is a ValueError
        log.warning("%s left out of the feed: %s", path.name, e)
        return None
    return data


def _notes(path: Path) -> str | None:
    try:
        return read_capped(path, EPISODE_JSON_MAX, "show notes", OutputError).decode("utf-8")
    except (PodcasterError, UnicodeDecodeError) as e:
        log.warning("%s left out of the feed: %s", path.name, e)
        return None


def _chapters(path: Path) -> list[dict]:
    """The chapters of an episode's chapters JSON (written by show_notes.chapters_json): start, title, url."""
    try:
        items = json.loads(read_capped(path, EPISODE_JSON_MAX, "chapters", OutputError))["chapters"]
        chapters = [{"start": float(c["startTime"]), "title": str(c["title"]), "url": str(c.get("url") or "")}
                    for c in items]
        if not all(math.isfinite(c["start"]) and c["start"] >= 0 for c in chapters):
            raise ValueError("a start time is not a time")
    except (PodcasterError, ValueError, KeyError, TypeError) as e:
        log.warning("%s: chapters left out of the feed: %s", path.name, e)
        return []
    return sorted(chapters, key=lambda c: c["start"])


def _timestamp(seconds: float) -> str:
    """Podlove's normal play time: HH:MM:SS.mmm."""
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _podlove_chapters(item: ET.Element, chapters: list[dict]) -> None:
    if not chapters:
        return
    element = _sub(item, f"{{{PSC}}}chapters", version="1.2")
    for chapter in chapters:
        extra = {"href": chapter["url"]} if chapter["url"] else {}
        _sub(element, f"{{{PSC}}}chapter", start=_timestamp(chapter["start"]), title=chapter["title"], **extra)


def _category(channel: ET.Element, category: str) -> None:
    """<itunes:category>, a subcategory nested in its category ("News/Daily News")."""
    element = channel
    for part in category.split("/"):
        element = _sub(element, f"{{{ITUNES}}}category", text=part)


def build_feed(out: Path, base_url: str, show: Show, episodes: list[dict] | None = None) -> str:
    """feed.xml's text for `episodes` (default: kept_episodes(out))."""
    base = check_base_url(base_url)

    def url(name: str) -> str:
        return base + quote(name)

    episodes = kept_episodes(out) if episodes is None else episodes
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", show.name)
    _sub(channel, "link", base)
    _sub(channel, "description", show.description)
    _sub(channel, "language", show.language)
    _sub(channel, f"{{{ATOM}}}link", href=url(FEED_NAME), rel="self", type="application/rss+xml")
    _sub(channel, "lastBuildDate", format_datetime(datetime.now(timezone.utc)))
    author = show.author or (" & ".join(episodes[0]["hosts"].values()) if episodes else "podcaster")
    explicit = "true" if show.explicit else "false"
    _sub(channel, f"{{{ITUNES}}}author", author)
    _sub(channel, f"{{{ITUNES}}}summary", show.description)
    _sub(channel, f"{{{ITUNES}}}type", "episodic")
    _sub(channel, f"{{{ITUNES}}}explicit", explicit)
    _category(channel, show.category)
    owner = _sub(channel, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", author)
    covers = sorted(out.glob("cover.*"))
    if covers:
        _sub(channel, f"{{{ITUNES}}}image", href=url(covers[0].name))
        image = _sub(channel, "image")
        _sub(image, "url", url(covers[0].name))
        _sub(image, "title", show.name)
        _sub(image, "link", base)
    for ep in episodes:
        files = ep["files"]
        item = _sub(channel, "item")
        _sub(item, "title", ep["title"])
        notes = _notes(out / files["notes_html"]) if "notes_html" in files else None
        _sub(item, "description", notes or ep["title"])
        mp3 = out / files["mp3"]
        _sub(item, "enclosure", url=url(files["mp3"]), length=str(mp3.stat().st_size), type="audio/mpeg")
        _sub(item, "guid", f"podcaster-{ep['date']}", isPermaLink="false")
        published = datetime.fromisoformat(ep.get("published") or f"{ep['date']}T06:00:00+00:00")
        _sub(item, "pubDate", format_datetime(published))
        _sub(item, f"{{{ITUNES}}}duration", _duration(ep["duration"]))
        _sub(item, f"{{{ITUNES}}}episodeType", "full")
        _sub(item, f"{{{ITUNES}}}explicit", explicit)
        if files.get("vtt"):
            _sub(item, f"{{{PODCAST}}}transcript", url=url(files["vtt"]), type="text/vtt")
        if files.get("chapters"):
            _sub(item, f"{{{PODCAST}}}chapters", url=url(files["chapters"]), type="application/json+chapters")
            _podlove_chapters(item, _chapters(out / files["chapters"]))
    ET.indent(rss)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, encoding="unicode") + "\n"
