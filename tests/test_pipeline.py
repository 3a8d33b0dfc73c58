"""The whole path on tiny random-weight models: feeds -> script -> speech -> MP3 + JSON + transcript."""
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from mutagen.mp3 import MP3

from podcaster.config import EpisodeOptions, load_style
from podcaster.pipeline import gather_stories, make_episode, plan_show
from podcaster.select import story_count
from podcaster.writer import WordBudget, story_room

from conftest import DEMO_FEEDS, ROOT

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def options(tmp_path, tiny_llm, tiny_kokoro, feeds=DEMO_FEEDS, **kw):
    return EpisodeOptions(feeds=feeds, out=tmp_path / "out", minutes=kw.pop("minutes", 0.6), llm=str(tiny_llm),
                          tts=str(tiny_kokoro), runtime="torch", device="cpu", style="headlines", **kw)


def test_episode_files_are_written_beside_each_other(tmp_path, tiny_llm, tiny_kokoro, caplog):
    episode = make_episode(options(tmp_path, tiny_llm, tiny_kokoro).resolve(), now=NOW)
    short = episode.duration_s < 0.8 * 0.6 * 60         # a short episode is said to be, with why
    assert any("the episode runs" in r.message and r.levelname == "WARNING" for r in caplog.records) == short
    out = tmp_path / "out"
    suffixes = (".chapters.json", ".html", ".json", ".md", ".mp3", ".txt", ".vtt")
    assert sorted(p.name for p in out.iterdir()) == ["cover.png", "feed.xml"] + [
        f"podcaster-2026-11-26{suffix}" for suffix in suffixes]
    mp3 = MP3(episode.mp3)
    assert abs(mp3.info.length - episode.duration_s) < 0.2 and mp3.info.length > 1
    assert mp3.info.bitrate == 128_000 and mp3.info.sample_rate == 44_100
    assert str(mp3.tags["TIT2"]) == episode.script.title and str(mp3.tags["TPE1"]) == "Ava & Kai"

    data = json.loads(episode.script_json.read_text())
    assert data["date"] == "2026-11-26" and set(data["hosts"]) == {"ava", "kai"}
    story_ids = {s["id"] for s in data["stories"]}
    assert story_ids and all(set(t["story_ids"]) <= story_ids for t in data["turns"])
    spans = [(t["start"], t["end"]) for t in data["turns"]]
    assert all(a < b for a, b in spans) and all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    assert spans[-1][1] <= episode.duration_s

    transcript = episode.transcript.read_text()
    assert transcript.startswith(episode.script.title) and "Sources:" in transcript
    assert all(s["link"] in transcript for s in data["stories"])


def test_failed_feeds_are_reported_and_the_episode_still_made(tmp_path, tiny_llm, tiny_kokoro):
    (tmp_path / "junk.xml").write_text("<html><body>not a feed</body></html>")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{ROOT / 'examples/demo-feeds/harbour-gazette.xml'}\njunk.xml\nhttp://127.0.0.1:9/closed\n")
    episode = make_episode(options(tmp_path, tiny_llm, tiny_kokoro, feeds=feeds).resolve(), now=NOW)
    assert episode.mp3.is_file()
    assert len(episode.failed_feeds) == 2
    assert any("junk.xml: not an RSS or Atom feed" in f for f in episode.failed_feeds)
    assert {s.source for s in episode.script.stories} == {"Harbour Gazette"}


def thin_feed(tmp_path, days_old: dict[str, int]) -> EpisodeOptions:
    """A feed of 40-word stories (one per subject, published that many days before NOW), and options
    for a 3-minute deep dive from it."""
    items = "".join(f"<item><title>{w.title()}</title><link>https://example.org/{w}</link><guid>{w}</guid>"
                    f"<pubDate>{format_datetime(NOW - timedelta(days=age, hours=i))}</pubDate>"
                    f"<description>{' '.join(f'{w}{k}' for k in range(40))}.</description></item>"
                    for i, (w, age) in enumerate(days_old.items()))
    (tmp_path / "thin.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Thin</title>'
                                       f'{items}</channel></rss>')
    (tmp_path / "feeds.txt").write_text("thin.xml\n")
    return EpisodeOptions(feeds=tmp_path / "feeds.txt", out=tmp_path / "out", minutes=3, style="deep-dive")


def words_for_stories(minutes: float, style) -> int:
    total = round(minutes * style.words_per_minute)
    return total - 2 * WordBudget.split(total, []).opening


def test_stories_too_thin_for_the_time_asked_bring_more_stories_not_padding(tmp_path):
    opts = thin_feed(tmp_path, dict.fromkeys(["ferry", "library", "comet", "harvest", "tram", "museum"], 0))
    style = load_style("deep-dive")
    asked = words_for_stories(3, style)
    plan = plan_show(opts.resolve(), NOW)
    # 40 words a story carry about 100 words of talk: one deep-dive story cannot fill three minutes honestly
    assert story_count(asked, style.words_per_story, 0) == 1
    assert len(plan.chosen) == 4 and sum(story_room(c, style) for c in plan.chosen) >= asked


def test_a_thin_day_reaches_back_for_untold_stories_but_never_makes_a_show_of_old_news_alone(tmp_path):
    opts = thin_feed(tmp_path, {"ferry": 0, "library": 0, "comet": 2, "harvest": 2, "tram": 4})
    plan = plan_show(opts.resolve(), NOW)
    assert [c.title for c in plan.chosen] == ["Ferry", "Library", "Comet", "Harvest"]   # today's first
    assert len(plan.ranked) == 4     # the tram story, older than three windows, is not a candidate
    # after the first episode, a day with no news of its own is no episode, not a rerun of leftovers
    old_only = thin_feed(tmp_path, {"comet": 2, "harvest": 2})
    assert gather_stories(old_only.resolve(), NOW, first_run=False) == ([], [], [])
