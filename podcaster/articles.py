"""Full text: when a feed gives only a teaser of a chosen story, the article's own text, read from its
page with trafilatura (a maintained main-text extractor), within the feed limits; else the teaser."""
from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from .fetch import FetchError, fetch
from .injection import drop_planted
from .types import Cluster, FetchLimits, Story

log = logging.getLogger(__name__)

TEASER_WORDS = 30           # a shorter body is a teaser, whatever it ends with
USABLE_WORDS = 8            # a story with less text than this, teaser and page together, is skipped
ARTICLE_MAX_MB = 3.0        # an article page larger than this is not read (news pages are 0.1-2 MB)
PAGE_TYPES = ("text/html", "application/xhtml+xml", "")
_CUT_OFF = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading|read the full (?:story|article))"
                      r"\W*$", re.I)


def is_teaser(story: Story) -> bool:
    words = len(story.body.split())
    return words < TEASER_WORDS or bool(_CUT_OFF.search(story.body))


def article_text(url: str, limits: FetchLimits) -> str:
    """The main text of the article page at url, sanitised like feed text; '' when there is none.
    Raises FetchError or ValueError when the page cannot be had within limits."""
    import trafilatura
    page, media_type = fetch(url, replace(limits, max_mb=min(limits.max_mb, ARTICLE_MAX_MB)),
                             "text/html, application/xhtml+xml;q=0.9")
    if media_type not in PAGE_TYPES:
        raise ValueError(f"not an HTML page ({media_type})")
    text = trafilatura.extract(page, url=url, include_comments=False, include_tables=False,
                               favor_precision=True) or ""   # not deduplicate: its cache spans calls
    text, dropped = drop_planted(" ".join(text.split())[: limits.max_body_chars])
    if dropped:
        log.warning("article %s: left out %d sentences that speak to the show, not about the news "
                    "(prompt injection)", url, dropped)
    return text


def with_full_text(story: Story, limits: FetchLimits) -> Story:
    """story with its article's text when the feed gave a teaser and the page gives more."""
    if not is_teaser(story) or not story.link:
        return story
    try:
        text = article_text(story.link, limits)
    except (FetchError, ValueError) as e:
        reason = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        log.info("story %r: kept the feed's teaser; its article could not be read (%s)", story.title, reason)
        return story
    if len(text.split()) <= len(story.body.split()):
        log.info("story %r: kept the feed's teaser; its article page has no longer text", story.title)
        return story
    log.info("story %r: %d words from its article page (the feed gave %d)", story.title, len(text.split()),
             len(story.body.split()))
    return replace(story, body=text)


def fill_clusters(clusters: list[Cluster], limits: FetchLimits, workers: int = 8) -> tuple[list[Cluster], list[Story]]:
    """Each cluster's teasers replaced by their articles' text (pages fetched in parallel); stories with
    no usable text left out, and clusters left with none. Returns (clusters, stories left out)."""
    stories = [s for c in clusters for s in c.stories]
    if not stories:
        return [], []
    with ThreadPoolExecutor(max_workers=min(workers, len(stories))) as pool:
        filled = dict(zip((s.id for s in stories), pool.map(lambda s: with_full_text(s, limits), stories)))
    kept, skipped = [], []
    for cluster in clusters:
        usable = tuple(filled[s.id] for s in cluster.stories if len(filled[s.id].body.split()) >= USABLE_WORDS)
        skipped += [s for s in cluster.stories if filled[s.id] not in usable]
        if usable:
            kept.append(replace(cluster, stories=usable))
    for story in skipped:
        log.warning("story skipped: %r has no text to tell, in its feed or at its link", story.title)
    return kept, skipped
