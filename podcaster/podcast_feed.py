"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces, rebuilt from the
episodes in the output folder (an episode whose MP3 or script is gone drops out)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlparse
from xml.etree import ElementTree as ET

from .errors import UsageError

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"
EPISODE_JSON = re.compile(r"podcaster-\d{4}-\d{2}-\d{2}\.json")
DEFAULT_BASE_URL = "http://localhost:8000/"
for prefix, uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(prefix, uri)


def check_base_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL; e.g. https://example.org/podcast/")
    return url if url.endswith("/") else url + "/"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _sub(parent: ET.Element, tag: str, content: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if content is not None:
        el.text = content
    return el


def kept_episodes(out: Path) -> list[dict]:
    """Episodes whose script JSON and MP3 are both in out, newest first."""
    episodes = []
    for path in sorted(out.glob("podcaster-*.json")):
        if not EPISODE_JSON.fullmatch(path.name):   # not the .chapters.json beside it
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        files = data.get("files", {})
        if "mp3" in files and (out / files["mp3"]).is_file():
            episodes.append(data)
    return sorted(episodes, key=lambda d: (d["date"], d.get("published", "")), reverse=True)


def build_feed(out: Path, base_url: str, show: str, description: str) -> str:
    base = check_base_url(base_url)

    def url(name: str) -> str:
        return base + quote(name)

    episodes = kept_episodes(out)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", show)
    _sub(channel, "link", base)
    _sub(channel, "description", description)
    _sub(channel, "language", "en")
    _sub(channel, f"{{{ATOM}}}link", href=url(FEED_NAME), rel="self", type="application/rss+xml")
    _sub(channel, "lastBuildDate", format_datetime(datetime.now(timezone.utc)))
    hosts = " & ".join(episodes[0]["hosts"].values()) if episodes else "podcaster"
    _sub(channel, f"{{{ITUNES}}}author", hosts)
    _sub(channel, f"{{{ITUNES}}}summary", description)
    _sub(channel, f"{{{ITUNES}}}type", "episodic")
    _sub(channel, f"{{{ITUNES}}}explicit", "false")
    _sub(channel, f"{{{ITUNES}}}category", text="News")
    owner = _sub(channel, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", hosts)
    covers = sorted(out.glob("cover.*"))
    if covers:
        _sub(channel, f"{{{ITUNES}}}image", href=url(covers[0].name))
        image = _sub(channel, "image")
        _sub(image, "url", url(covers[0].name))
        _sub(image, "title", show)
        _sub(image, "link", base)
    for ep in episodes:
        files = ep["files"]
        item = _sub(channel, "item")
        _sub(item, "title", ep["title"])
        notes = out / files.get("notes_html", "")
        _sub(item, "description", notes.read_text(encoding="utf-8") if notes.is_file() else ep["title"])
        mp3 = out / files["mp3"]
        _sub(item, "enclosure", url=url(files["mp3"]), length=str(mp3.stat().st_size), type="audio/mpeg")
        _sub(item, "guid", f"podcaster-{ep['date']}", isPermaLink="false")
        published = datetime.fromisoformat(ep.get("published") or f"{ep['date']}T06:00:00+00:00")
        _sub(item, "pubDate", format_datetime(published))
        _sub(item, f"{{{ITUNES}}}duration", _duration(ep["duration"]))
        _sub(item, f"{{{ITUNES}}}episodeType", "full")
        _sub(item, f"{{{ITUNES}}}explicit", "false")
        if files.get("vtt"):
            _sub(item, f"{{{PODCAST}}}transcript", url=url(files["vtt"]), type="text/vtt")
        if files.get("chapters"):
            _sub(item, f"{{{PODCAST}}}chapters", url=url(files["chapters"]), type="application/json+chapters")
    ET.indent(rss)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, encoding="unicode") + "\n"
