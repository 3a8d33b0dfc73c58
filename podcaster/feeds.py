"""Feeds: read the feeds list, fetch every feed in parallel, parse entries into Story."""
from __future__ import annotations

import calendar
import hashlib
import logging
import re
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import httpx

from . import __version__
from .errors import FeedsError
from .sanitize import clean_link, drop_instructions, html_to_text
from .types import FetchLimits, Story

log = logging.getLogger(__name__)

USER_AGENT = f"podcaster/{__version__} (+https://github.com/podcaster/podcaster; personal news podcast)"


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


FEED_TYPES = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"


def fetch(url: str, limits: FetchLimits, accept: str) -> tuple[bytes, str]:
    """GET url with timeouts, at most `max_redirects` redirects (http and https only; httpx refuses
    any other scheme, file: included), and a size cap that holds after decompression.
    Returns the body and its media type ('text/html', ...; '' if the server gave none)."""
    timeout = httpx.Timeout(limits.read_s, connect=limits.connect_s)
    deadline = time.monotonic() + limits.total_s
    # gzip and deflate only: we inflate them ourselves, under the cap (see _read_capped)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": accept}
    with httpx.Client(follow_redirects=True, max_redirects=limits.max_redirects, timeout=timeout,
                      headers=headers) as client:
        with client.stream("GET", url) as response:
            response.raise_for_status()
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            return _read_capped(response, limits, deadline), media_type


def _read_capped(response: httpx.Response, limits: FetchLimits, deadline: float) -> bytes:
    """The body, inflated a bounded step at a time: a gzip bomb stops at the cap, never in memory
    whole. A server that drips bytes is cut off at the deadline (within one read timeout)."""
    cap = limits.max_bytes
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)      # 32: gzip or zlib header, detected
    elif encoding in ("identity", ""):
        inflater = None
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding!r}")
    body = bytearray()
    for chunk in response.iter_raw():
        if time.monotonic() > deadline:
            raise TimeoutError(f"took longer than {limits.total_s:g} s")
        if inflater is not None:
            # at most one byte past the cap per step: a bomb's expansion never sits in memory
            chunk = inflater.decompress(chunk, cap + 1 - len(body))
        body += chunk
        if len(body) > cap:
            raise ValueError(f"larger than {limits.max_mb:g} MB")
    return bytes(body)


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
        title, dropped_title = drop_instructions(html_to_text(entry.get("title") or ""))
        content = entry.get("content") or []
        body_html = max((c.get("value") or "" for c in content), key=len, default="") or entry.get("summary") or ""
        body, dropped_body = drop_instructions(html_to_text(body_html)[: limits.max_body_chars])
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
        log.warning("feed %s: left out %d sentences addressed to an AI model (prompt injection)", location, dropped)
    return stories


def fetch_feed(location: str, limits: FetchLimits) -> FeedResult:
    try:
        if re.match(r"^https?://", location, re.I):
            data, _ = fetch(location, limits, FEED_TYPES)
        else:
            with open(location, "rb") as f:
                data = f.read(limits.max_bytes + 1)
            if len(data) > limits.max_bytes:
                raise ValueError(f"larger than {limits.max_mb:g} MB")
        return FeedResult(location, parse_feed(data, location, limits))
    except httpx.HTTPStatusError as e:
        return FeedResult(location, error=f"HTTP {e.response.status_code}")
    except httpx.TooManyRedirects:
        return FeedResult(location, error="too many redirects")
    except httpx.TimeoutException:
        return FeedResult(location, error="timed out")
    except httpx.UnsupportedProtocol:
        return FeedResult(location, error="redirected to a URL that is not http or https; not followed")
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
