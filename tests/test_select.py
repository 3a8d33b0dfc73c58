from datetime import datetime, timedelta, timezone

from podcaster.select import choose_stories, recent_stories
from podcaster.types import Story

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def story(n, source="A", hours_ago=1.0):
    return Story(f"id{n}", f"Title {n}", "Body.", f"https://x/{n}", source,
                 NOW - timedelta(hours=hours_ago) if hours_ago is not None else None)


def test_window_keeps_recent_stories_newest_first():
    stories = [story(1, hours_ago=30), story(2, hours_ago=2), story(3, hours_ago=5), story(4, hours_ago=-3)]
    assert [s.id for s in recent_stories(stories, NOW, timedelta(hours=24))] == ["id2", "id3"]


def test_when_nothing_is_recent_the_newest_few_are_used():
    stories = [story(n, hours_ago=48 + n) for n in range(8)] + [story(99, hours_ago=None)]
    chosen = recent_stories(stories, NOW, timedelta(hours=24))
    assert [s.id for s in chosen] == ["id0", "id1", "id2", "id3", "id4"]


def test_choice_alternates_sources():
    stories = [story(1, "A"), story(2, "A"), story(3, "A"), story(4, "B"), story(5, "C")]
    assert [s.id for s in choose_stories(stories, 4)] == ["id1", "id4", "id5", "id2"]
