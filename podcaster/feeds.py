"""Feeds: read the feeds list, fetch every feed in parallel, parse entries into Story."""
from __future__ import annotations

import calendar
import hashlib
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import httpx
from bs4 import BeautifulSoup

from . import __version__
from .errors import FeedsError
from .types import Story

log = logging.getLogger(__name__)

USER_AGENT = f"podcaster/{__version__} (+https://github.com/podcaster/podcaster; personal news podcast)"


@dataclass(frozen=True)
class FetchLimits:
    connect_s: float = 5.0
    read_s: float = 10.0
    total_s: float = 30.0           # a server that drips bytes is cut off here
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_entries: int = 200          # per feed
    max_body_chars: int = 20_000    # per entry


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
        if local.is_file():
            locations.append(str(local))
        else:
            raise FeedsError(f"{path}:{number}: {line!r} is neither an http(s) URL nor an existing file")
    if not locations:
        raise FeedsError(f"feeds file {path} lists no feeds; add one feed URL or file per line")
    return locations


def fetch_bytes(url: str, limits: FetchLimits) -> bytes:
    """GET url with timeouts, a redirect limit, and a size cap on the decoded body."""
    timeout = httpx.Timeout(limits.read_s, connect=limits.connect_s)
    deadline = time.monotonic() + limits.total_s
    with httpx.Client(follow_redirects=True, max_redirects=limits.max_redirects, timeout=timeout,
                      headers={"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}) as client:
        with client.stream("GET", url) as response:
            response.raise_for_status()
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise ValueError(f"larger than {limits.max_bytes // (1024 * 1024)} MB")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"took longer than {limits.total_s:g} s")
                chunks.append(chunk)
    return b"".join(chunks)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")                   # becomes a space
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")  # zero-width, direction overrides


def html_to_text(html: str) -> str:
    """Markup to plain text: drop scripts and styles, keep the words, strip control and
    direction-override characters, collapse whitespace."""
    if "<" in html or "&" in html:
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup(["script", "style", "noscript", "iframe", "object", "svg"]):
            tag.decompose()
        html = soup.get_text(" ")
    return " ".join(_INVISIBLE.sub("", _CONTROL.sub(" ", html)).split())


def _published(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)


def _story_id(*parts: str) -> str:
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def parse_feed(data: bytes, location: str, limits: FetchLimits = FetchLimits()) -> list[Story]:
    """Feed bytes -> stories. Raises ValueError when the data is not a feed."""
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.feed.get("title")):
        reason = parsed.get("bozo_exception") or "no feed elements"
        raise ValueError(f"not an RSS or Atom feed ({str(reason).splitlines()[0][:120]})")
    source = html_to_text(parsed.feed.get("title", "")) or location
    stories = []
    for entry in parsed.entries[: limits.max_entries]:
        title = html_to_text(entry.get("title", ""))
        content = entry.get("content") or []
        body_html = max((c.get("value", "") for c in content), key=len, default="") or entry.get("summary", "")
        body = html_to_text(body_html)[: limits.max_body_chars]
        if not title and not body:
            continue
        link = entry.get("link", "")
        key = link or entry.get("id", "") or f"{source}\n{title}"
        stories.append(Story(id=_story_id(key), title=title or body[:80], body=body, link=link,
                             source=source, published=_published(entry)))
    return stories


def fetch_feed(location: str, limits: FetchLimits) -> FeedResult:
    try:
        if re.match(r"^https?://", location, re.I):
            data = fetch_bytes(location, limits)
        else:
            with open(location, "rb") as f:
                data = f.read(limits.max_bytes + 1)
            if len(data) > limits.max_bytes:
                raise ValueError(f"larger than {limits.max_bytes // (1024 * 1024)} MB")
        return FeedResult(location, parse_feed(data, location, limits))
    except httpx.HTTPStatusError as e:
        return FeedResult(location, error=f"HTTP {e.response.status_code}")
    except httpx.TooManyRedirects:
        return FeedResult(location, error="too many redirects")
    except httpx.TimeoutException:
        return FeedResult(location, error="timed out")
    except (httpx.HTTPError, OSError, ValueError, TimeoutError) as e:
        return FeedResult(location, error=str(e).splitlines()[0][:200] if str(e) else type(e).__name__)


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
