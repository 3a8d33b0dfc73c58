"""Which news makes the show: the window, clusters across feeds, interests, exclusions, memory."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

from podcaster.config import load_topics
from podcaster.feeds import fetch_feeds, read_feeds_file
from podcaster.select import choose_clusters, excluded_by, group_similar, rank_clusters, recent_stories
from podcaster.types import Covered, Preferences, Story

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
DAYS = Path(__file__).parent / "fixtures" / "days"


def story(n, source="A", hours_ago=1.0, title=None, body="Body."):
    return Story(f"id{n}", title or f"Title {n}", body, f"https://x/{n}", source,
                 NOW - timedelta(hours=hours_ago) if hours_ago is not None else None)


def day_stories(day: str) -> list[Story]:
    """Everything the fixture feeds hold when fetched at the end of that day (earlier days too)."""
    return [s for r in fetch_feeds(read_feeds_file(DAYS / day / "feeds.txt")) for s in r.stories]


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59+00:00")


def test_window_keeps_recent_stories_newest_first():
    stories = [story(1, hours_ago=30), story(2, hours_ago=2), story(3, hours_ago=5), story(4, hours_ago=-3)]
    assert [s.id for s in recent_stories(stories, NOW, timedelta(hours=24))] == ["id2", "id3"]


def test_when_nothing_is_recent_the_newest_few_are_used():
    stories = [story(n, hours_ago=48 + n) for n in range(8)] + [story(99, hours_ago=None)]
    chosen = recent_stories(stories, NOW, timedelta(hours=24))
    assert [s.id for s in chosen] == ["id0", "id1", "id2", "id3", "id4"]


def test_the_same_news_from_three_feeds_is_one_cluster():
    stories = recent_stories(day_stories("2026-11-23"), end_of("2026-11-23"), timedelta(hours=24))
    groups = [sorted(stories[i].source for i in g) for g in group_similar(stories)]
    assert len(stories) == 6
    assert sorted(groups, key=len) [-1] == ["Metro Daily", "Science Wire", "Valley Courier"]
    assert sorted(len(g) for g in groups) == [1, 1, 1, 3]


def test_unrelated_stories_stay_apart():
    stories = recent_stories(day_stories("2026-11-25"), end_of("2026-11-25"), timedelta(hours=24))
    assert [len(g) for g in group_similar(stories)] == [1, 1]


def test_interests_rank_first_and_say_why():
    stories = recent_stories(day_stories("2026-11-23"), end_of("2026-11-23"), timedelta(hours=24))
    prefs = Preferences(interests={"battery": 3.0})
    ranked, _ = rank_clusters(stories, prefs, load_topics(), end_of("2026-11-23"))
    assert "battery" in ranked[0].title.lower()
    assert any(r.startswith("battery (+3, in title)") for r in ranked[0].reasons)
    # without interests the tunnel, told by three feeds, leads
    ranked, _ = rank_clusters(stories, Preferences(), load_topics(), end_of("2026-11-23"))
    assert len(ranked[0].stories) == 3 and "3 sources" in ranked[0].reasons


def test_excluded_topics_keywords_and_sources_are_left_out():
    topics = load_topics()
    football = story(1, title="Kestrels win the cup final", body="The football team scored a late goal.")
    assert excluded_by(football, Preferences(exclude_topics=("sports",)), topics) == "topic 'sports'"
    assert excluded_by(football, Preferences(exclude_keywords=("goals",)), topics) == "keyword 'goals'"  # stems
    assert excluded_by(football, Preferences(exclude_sources=("x/1",)), topics) == "source 'x/1'"
    assert excluded_by(football, Preferences(exclude_topics=("space",)), topics) is None
    climate = story(2, title="City sets a carbon goal", body="It wants to halve emissions by 2035.")
    assert excluded_by(climate, Preferences(exclude_topics=("sports",)), topics) is None   # one "goal" is not sport
    stories = recent_stories(day_stories("2026-11-23"), end_of("2026-11-23"), timedelta(hours=24))
    ranked, left_out = rank_clusters(stories, Preferences(exclude_topics=("sports",)), topics, end_of("2026-11-23"))
    assert not any("football" in s.body for c in ranked for s in c.stories)
    assert list(left_out.values()) == ["topic 'sports'"]


def test_covered_stories_never_return_and_new_reporting_is_an_update():
    day1 = recent_stories(day_stories("2026-11-23"), end_of("2026-11-23"), timedelta(hours=24))
    ranked, _ = rank_clusters(day1, Preferences(), load_topics(), end_of("2026-11-23"))
    covered = [Covered("2026-11-23", s) for c in ranked for s in c.stories]
    tunnel = next(c for c in ranked if len(c.stories) == 3)

    stories = day_stories("2026-11-24")     # the feeds still carry day 1's stories
    ranked, left_out = rank_clusters(stories, Preferences(), load_topics(), end_of("2026-11-24"), covered)
    told_before = {c.story.id for c in covered}
    assert not told_before & {s.id for c in ranked for s in c.stories}
    assert set(left_out) == told_before and all(r == "covered on 2026-11-23" for r in left_out.values())
    update = next(c for c in ranked if c.update_of)
    assert update.id != tunnel.id and [s.title for s in update.stories] == [
        "Leak closes a lane in the new Calder Crossing tunnel"]
    assert "Calder Crossing" in update.previously and update.reasons[0] == "update of 2026-11-23"
    assert sum(1 for c in ranked if c.update_of) == 1


def test_choice_spreads_over_feeds():
    stories = [story(1, "A"), story(2, "A", title="Other 2"), story(3, "A", title="More 3"),
               story(4, "B", title="Bee 4"), story(5, "C", title="Sea 5")]
    ranked, _ = rank_clusters(stories, Preferences(), {}, NOW)
    assert sorted(c.sources[0] for c in choose_clusters(ranked, 3)) == ["A", "B", "C"]


def test_undated_stories_rank_after_dated_ones_without_error():
    stories = [story(1, hours_ago=None, title="Library lends tools", body="Drills and ladders for a week."),
               story(2, hours_ago=3, title="Comet seen tonight", body="Astronomers expect a clear sky.")]
    ranked, _ = rank_clusters(recent_stories(stories, NOW, timedelta(hours=1)), Preferences(), {}, NOW)
    assert [c.title for c in ranked] == ["Comet seen tonight", "Library lends tools"]
