"""Feeds: read the feeds list, fetch every feed in parallel, parse entries into Story."""
from __future__ import annotations

import calendar
import hashlib
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import feedparser

from .errors import FeedsError
from .fetch import FetchError, fetch
from .injection import drop_planted
from .sanitize import clean_link, html_to_text
from .types import FetchLimits, Story

log = logging.getLogger(__name__)

@dataclass
class FeedResult:
    location: str
    stories: list[Story] = field(default_factory=list)
    error: str | None = None


def read_feeds_file(path: Path) -> list[str]:
    """One URL or local path per line; '#' comments and blank lines allowed.

    Relative paths are taken from the feeds file's folder, so a feeds list can travel
    with its feed files.
    """
    if not path.is_file():
        raise FeedsError(f"feeds file {path} does not exist; pass --feeds with a list of feed URLs or files")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise FeedsError(f"feeds file {path} cannot be read ({e}); it must be a UTF-8 text file") from None
    locations = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s+#.*$", "", raw).strip()  # trailing comments need a space before '#'
        if not line or line.startswith("#"):
            continue
        if re.match(r"^https?://\S+$", line, re.I):
            locations.append(line)
            continue
        local = Path(line).expanduser()
        local = local if local.is_absolute() else path.parent / local
        if _is_file(local):
            locations.append(str(local))
        else:
            raise FeedsError(f"{path}:{number}: {line[:200]!r} is neither an http(s) URL nor an existing file")
    if not locations:
        raise FeedsError(f"feeds file {path} lists no feeds; add one feed URL or file per line")
    return locations


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):     # a name too long for the file system, a NUL byte: no such file
        return False


FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


_BAD_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]{1,16}|[0-9]{1,20});")


def _bad_code_point(match: re.Match) -> bool:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
    return code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF


def _published(entry) -> datetime | None:
    # dict.get: feedparser's own get maps one date key onto the other, with a deprecation warning
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)


def _story_id(*parts: str) -> str:
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def parse_feed(data: bytes, location: str, limits: FetchLimits = FetchLimits()) -> list[Story]:
    """Feed bytes -> stories. Raises ValueError when the data is not a feed."""
    # character references to surrogates or past U+10FFFF crash feedparser's entity decoder
    data = _BAD_CHAR_REF.sub(lambda m: b" " if _bad_code_point(m) else m.group(0), data)
    try:
        parsed = feedparser.parse(data)
    except Exception as e:  # a parser crash on hostile bytes costs this feed only
        raise ValueError(f"not an RSS or Atom feed (the parser failed: {type(e).__name__})") from None
    if not parsed.entries and (parsed.bozo or not parsed.feed.get("title")):
        reason = parsed.get("bozo_exception") or "no feed elements"
        raise ValueError(f"not an RSS or Atom feed ({str(reason).splitlines()[0][:120]})")
    source = html_to_text(parsed.feed.get("title") or "") or location
    stories, seen = [], set()
    dropped = 0
    for entry in parsed.entries[: limits.max_entries]:
        title, dropped_title = drop_planted(html_to_text(entry.get("title") or ""))
        content = entry.get("content") or []
        body_html = max((c.get("value") or "" for c in content), key=len, default="") or entry.get("summary") or ""
        body, dropped_body = drop_planted(html_to_text(body_html)[: limits.max_body_chars])
        dropped += dropped_title + dropped_body
        if not title and not body:
            continue
        raw_link = entry.get("link") or ""        # feedparser gives None for some odd feeds
        key = raw_link or entry.get("id") or f"{source}\n{title}"   # the id from the link as given: stable
        story_id = _story_id(key)
        if story_id in seen:            # the same entry twice in one feed
            continue
        seen.add(story_id)
        stories.append(Story(id=story_id, title=title or body[:80], body=body, link=clean_link(raw_link),
                             source=source, published=_published(entry)))
    if dropped:
        log.warning("feed %s: left out %d sentences that speak to the show, not about the news "
                    "(prompt injection)", location, dropped)
    return stories


def fetch_feed(location: str, limits: FetchLimits) -> FeedResult:
    """One listed feed, fetched (it may be on the listener's own network) or read, and parsed; any
    failure is this feed's error, never the run's."""
    try:
        if re.match(r"^https?://", location, re.I):
            data, _ = fetch(location, limits, FEED_TYPES, listed=True)
        else:
            data = _read_local(Path(location), limits)
        return FeedResult(location, parse_feed(data, location, limits))
    except (FetchError, OSError, ValueError) as e:
        return FeedResult(location, error=str(e).splitlines()[0][:200] if str(e) else type(e).__name__)


def _read_local(path: Path, limits: FetchLimits) -> bytes:
    if not path.is_file():                 # a FIFO would block, a device never end
        raise ValueError("not a regular file")
    with open(path, "rb") as f:
        data = f.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ValueError(f"larger than {limits.max_mb:g} MB")
    return data


def fetch_feeds(locations: list[str], limits: FetchLimits = FetchLimits(), workers: int = 8) -> list[FeedResult]:
    """Fetch and parse every feed in parallel; failures come back as results with an error."""
    with ThreadPoolExecutor(max_workers=min(workers, len(locations)) or 1) as pool:
        return list(pool.map(lambda loc: fetch_feed(loc, limits), locations))


def _title_key(title: str) -> str:
    return re.sub(r"[^\w]+", " ", title.casefold()).strip()


def dedupe(stories: list[Story]) -> list[Story]:
    """Drop repeats: the same link, or the same title in another feed."""
    seen_links, seen_titles, unique = set(), set(), []
    for story in stories:
        link, title = story.link.rstrip("/"), _title_key(story.title)
        if (link and link in seen_links) or (title and title in seen_titles):
            continue
        seen_links.add(link)
        seen_titles.add(title)
        unique.append(story)
    return unique
