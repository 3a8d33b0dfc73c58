"""Which stories make today's show: recent ones, no repeats, as many as the time allows."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from .types import Story

FALLBACK_COUNT = 5      # when nothing is inside the window, the newest few
MAX_FUTURE = timedelta(hours=1)


def recent_stories(stories: list[Story], now: datetime, since: timedelta) -> list[Story]:
    """Stories published in [now - since, now], newest first; if none, the newest few."""
    dated = sorted((s for s in stories if s.published), key=lambda s: s.published, reverse=True)
    window = [s for s in dated if now - since <= s.published <= now + MAX_FUTURE]
    if window:
        return window
    undated = [s for s in stories if not s.published]
    return (dated + undated)[:FALLBACK_COUNT]


def story_count(total_words: int, words_per_story: int, opening_words: int) -> int:
    """How many stories fit in the word budget once the opening and sign-off are paid for."""
    return max(1, round((total_words - 2 * opening_words) / words_per_story))


def choose_stories(stories: list[Story], count: int) -> list[Story]:
    """Take up to count stories, newest first, alternating sources so no feed crowds out the rest."""
    by_source: OrderedDict[str, list[Story]] = OrderedDict()
    for story in stories:
        by_source.setdefault(story.source, []).append(story)
    chosen: list[Story] = []
    while len(chosen) < count and any(by_source.values()):
        for queue in by_source.values():
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen
