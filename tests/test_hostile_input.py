"""Hostile input beyond the feeds themselves (issue 20, second round): text from outside shown as
written (never as terminal markup), files that are no files or far too big, values that are not
numbers or days, errors that keep their cause, and an episode JSON that names another file.

Every case goes through the real CLI (or the real module on real files and a real SQLite file),
and each would fail without its fix: a crash, a hang, a wrong message or a leaked file.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcaster.cli import app
from podcaster.errors import MediaError, OutputError
from podcaster.memory import History, history_path
from podcaster.mix import read_audio
from podcaster.types import Cluster, Script, Story, Turn

runner = CliRunner(env={"COLUMNS": "400"})    # tables wide enough to hold a whole title
MARKUP = "Oops [/] closing [link=javascript:alert(1)]click me[/link] [bold]now"
BODY = " ".join(["The harbour council met on Tuesday and agreed to rebuild the old ferry pier."] * 4)
DAY = "2026-11-20"


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def rss(title: str, *items: tuple[str, str, str]) -> str:
    """An RSS file's text: its channel title and (title, link, description) items, published on DAY."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
                      f"<pubDate>Fri, 20 Nov 2026 08:00:00 +0000</pubDate></item>" for t, link, d in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example/</link><description>d</description>{entries}</channel></rss>")


def feeds_list(folder: Path, *feeds: str) -> Path:
    for number, text in enumerate(feeds):
        (folder / f"feed{number}.xml").write_text(text, encoding="utf-8")
    path = folder / "feeds.txt"
    path.write_text("".join(f"feed{n}.xml\n" for n in range(len(feeds))))
    return path


def preview(*args: str):
    return runner.invoke(app, ["preview", "--date", DAY, "--since", "3d", *args])


@pytest.fixture
def make_fifo():
    """make_fifo(path): a FIFO there. A thread writes a few bytes to each reader that opens it, so code
    that still opens it blocking gets those bytes and fails its test instead of hanging it."""
    made, stop = [], threading.Event()

    def make(path: Path) -> Path:
        os.mkfifo(path)
        writer = threading.Thread(target=_write_to_readers, args=(path, stop), daemon=True)
        writer.start()
        made.append((path, writer))
        return path
    yield make
    stop.set()
    for path, writer in made:
        unblock = os.open(path, os.O_RDONLY | os.O_NONBLOCK)   # a writer waits for a reader: be one
        writer.join(5)
        os.close(unblock)


def _write_to_readers(path: Path, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with open(path, "wb") as pipe:
                pipe.write(b"not what you wanted")
        except OSError:
            pass


@pytest.fixture
def fifo(tmp_path, make_fifo):
    return make_fifo(tmp_path / "pipe")


# ---- 3. outside text is never terminal markup ---------------------------------------------

def test_preview_shows_markup_in_titles_and_sources_as_written(tmp_path):
    feeds = feeds_list(tmp_path, rss("Evil [/] News", (MARKUP, "https://news.example/a", BODY)))
    result = preview("--feeds", str(feeds))
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.replace("│", " ").split())
    assert "Oops [/] closing" in flat and "[link=javascript:alert(1)]click" in flat and "[bold]now" in flat
    assert "Evil [/] News" in flat


def test_history_with_markup_in_its_titles_lists_them_as_written():
    with History.open() as memory:      # a real history.db, rows as an episode with such a story leaves them
        memory.db.execute("INSERT INTO episodes VALUES (?, ?, ?, ?, ?, ?)",
                          (DAY, "[/]Show", "/tmp", "/tmp/[old]/podcaster.mp3", 61.0, DAY))
        memory.db.execute("INSERT INTO covered VALUES (?, 0, 'c1', 's1', ?, 'b', 'https://x.example/', ?, NULL, '')",
                          (DAY, MARKUP, "Feed [/]"))
    for _ in range(2):                  # it was every call, not the first
        result = runner.invoke(app, ["history"])
        assert result.exit_code == 0, result.output
        flat = " ".join(result.stdout.replace("│", " ").split())
        assert "Oops [/] closing" in flat and "[link=javascript:alert(1)]click" in flat and "Feed [/]" in flat


def test_feeds_list_shows_opml_titles_and_profile_path_as_written(tmp_path):
    folder = tmp_path / "[old]"
    folder.mkdir()
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
                    '<outline text="[/]Evil [link=javascript:alert(1)]x[/link]" type="rss" '
                    'xmlUrl="https://evil.example/rss"/></body></opml>')
    config = str(folder / "profile.toml")
    assert runner.invoke(app, ["feeds", "import", str(opml), "--config", config]).exit_code == 0
    result = runner.invoke(app, ["feeds", "list", "--config", config])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.replace("│", " ").split())
    assert "[/]Evil" in flat and "[link=javascript:alert(1)]x[/link]" in flat and "[old]" in flat


def test_error_lines_show_paths_and_profile_values_as_written(tmp_path):
    result = runner.invoke(app, ["preview", "--feeds", "/x/[old]/f.txt"])
    assert result.exit_code == 3 and "/x/[old]/f.txt" in error_line(result)
    config = tmp_path / "profile.toml"
    config.write_text('style = "[/][link=javascript:alert(1)]x[/link]"\n')
    result = preview("--config", str(config))
    assert result.exit_code == 5 and "'[/][link=javascript:alert(1)]x[/link]'" in error_line(result)


# ---- 6. only regular files, only what is needed -------------------------------------------

def test_artwork_that_is_a_device_or_too_big_is_refused_before_reading_it(tmp_path):
    feeds_list(tmp_path, rss("N", ("T", "https://n.example/", BODY)))
    result = runner.invoke(app, ["daily", "--feeds", str(tmp_path / "feeds.txt"), "--artwork", "/dev/null",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 9 and "artwork file /dev/null is a device, not a file" in error_line(result)
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as f:         # sparse: 21 MB that take no disk
        f.write(b"\x89PNG\r\n\x1a\n")
        f.truncate(21 * 1024 * 1024)
    result = runner.invoke(app, ["daily", "--feeds", str(tmp_path / "feeds.txt"), "--artwork", str(huge),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 9 and "is over 20 MB" in error_line(result)


def test_opml_that_is_a_pipe_device_folder_or_huge_is_refused(tmp_path, fifo):
    config = str(tmp_path / "profile.toml")
    huge = tmp_path / "huge.opml"
    with open(huge, "wb") as f:
        f.write(b'<?xml version="1.0"?><opml version="2.0"><body>')
        f.truncate(11 * 1024 * 1024)
    for path, said in ((fifo, "is a pipe or socket, not a file"), (Path("/dev/null"), "is a device, not a file"),
                       (tmp_path, "is a folder, not a file"), (huge, "is over 10 MB")):
        result = runner.invoke(app, ["feeds", "import", str(path), "--config", config])
        assert result.exit_code == 10 and said in error_line(result), (path, result.output)


def test_profile_that_is_a_pipe_or_a_folder_is_said_to_be_one(tmp_path, fifo):
    result = preview("--config", str(fifo))
    assert result.exit_code == 10 and "is a pipe or socket, not a file" in error_line(result)
    result = preview("--config", str(tmp_path))
    line = error_line(result)
    assert result.exit_code == 10 and "is a folder, not a file" in line and "does not exist" not in line


def test_feeds_list_that_is_a_folder_is_said_to_be_one(tmp_path):
    result = preview("--feeds", str(tmp_path))
    line = error_line(result)
    assert result.exit_code == 3 and "is a folder, not a file" in line and "does not exist" not in line


def test_sting_or_bed_that_is_a_pipe_or_device_never_reaches_ffmpeg(fifo):
    for path, said in ((fifo, "is a pipe or socket"), (Path("/dev/zero"), "is a device")):
        with pytest.raises(MediaError, match=said):
            read_audio(path)


def test_feed_rebuild_skips_an_episode_json_that_is_a_pipe(tmp_path, make_fifo):
    out = tmp_path / "out"
    out.mkdir()
    make_fifo(out / f"podcaster-{DAY}.json")
    result = runner.invoke(app, ["feed", "--out", str(out)])
    assert result.exit_code == 0 and "(0 episodes)" in result.stdout, result.output
    assert f"podcaster-{DAY}.json left out of the feed" in result.stderr and "is a pipe" in result.stderr


# ---- 7. values that are not numbers or days ----------------------------------------------

@pytest.mark.parametrize("table, value", [("interests", "nan"), ("interests", "inf"), ("sources", "-inf"),
                                          ("sources", "1e300")])
def test_weights_must_be_finite_numbers(tmp_path, table, value):
    config = tmp_path / "profile.toml"
    config.write_text(f'[{table}]\nscience = {value}\n')
    result = preview("--config", str(config))
    assert result.exit_code == 10 and f"'{table}.science' must be a number from" in error_line(result)


@pytest.mark.parametrize("args, said", [
    (["--since", ""], "--since '' is not a duration"),
    (["--since", "999999d"], "--since '999999d' is too long"),
    (["--date", "9999-12-31"], "--date 9999-12-31 is out of range"),
    (["--date", "0001-01-01"], "--date 0001-01-01 is out of range"),
], ids=["empty-since", "huge-since", "last-day", "first-day"])
def test_windows_and_days_out_of_range_are_flag_errors(tmp_path, args, said):
    feeds = feeds_list(tmp_path, rss("N", ("T", "https://n.example/", BODY)))
    result = runner.invoke(app, ["preview", "--feeds", str(feeds), *args])
    assert result.exit_code == 2 and said in error_line(result)


def test_a_bad_publication_time_in_history_is_ignored_with_a_warning(tmp_path):
    with History.open() as memory:
        for number, published in enumerate(("yesterday", "2026-11-19T08:00:00", 42)):
            memory.db.execute("INSERT INTO covered VALUES ('2026-11-19', ?, ?, ?, 'Old news', 'b', "
                              "'https://o.example/', 'Old', ?, '')", (number, f"c{number}", f"s{number}", published))
    feeds = feeds_list(tmp_path, rss("N", ("Fresh news", "https://n.example/", BODY)))
    result = preview("--feeds", str(feeds))
    assert result.exit_code == 0, result.output
    assert "Fresh news" in result.stdout and result.stderr.count("bad publication time") == 3


# ---- 8. errors that keep their cause ------------------------------------------------------

def script(day: str, title: str) -> Script:
    story = Story("s1", title, "body", "https://s.example/", "Source", datetime(2026, 11, 20, tzinfo=timezone.utc))
    cluster = Cluster("c1", (story,))
    return Script("Show", day, {"ava": "Ava", "kai": "Kai"}, [cluster], [Turn("ava", "Hello.", ["s1"], "c1")])


def test_a_full_disk_while_recording_is_said_to_be_one(tmp_path):
    with History.open(tmp_path / "history.db") as memory:
        memory.record(script("2026-11-19", "small"), tmp_path / "a.mp3", 60.0)
        pages = memory.db.execute("PRAGMA page_count").fetchone()[0]
        memory.db.execute(f"PRAGMA max_page_count = {pages}")   # SQLite's own "database or disk is full"
        with pytest.raises(OutputError) as caught:
            memory.record(script(DAY, "x" * 400_000), tmp_path / "b.mp3", 60.0)
        assert "database or disk is full" in str(caught.value) and "rollback" not in str(caught.value)
        assert "free some space" in str(caught.value)
        assert [e.date for e in memory.episodes()] == ["2026-11-19"]      # the old record is intact


def test_a_history_with_another_schema_is_said_not_to_be_ours():
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE episodes (id INTEGER PRIMARY KEY, name TEXT)")
    result = runner.invoke(app, ["history"])
    line = error_line(result)
    assert result.exit_code == 7 and "is not a podcaster history database" in line and "move it aside" in line
    assert "writable" not in line


def test_preview_says_why_stories_were_left_out_in_words(tmp_path):
    config = tmp_path / "profile.toml"
    config.write_text('[exclude]\nkeywords = ["horoscope"]\n')
    feeds = feeds_list(tmp_path, rss("N", ("Fresh news", "https://n.example/a", BODY),
                                     ("Your horoscope", "https://n.example/b", "Horoscope " + BODY),
                                     ("No text", "http://127.0.0.1:9/nothing", "")))
    result = preview("--feeds", str(feeds), "--config", str(config))
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert "1 excluded by keyword" in summary and "1 with no text in the feed or at the link" in summary
    assert "excluded by no" not in summary


# ---- 9. the feed takes an episode's files by their own names -----------------------------

def test_feed_never_embeds_a_file_the_episode_json_names(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    out = tmp_path / "out"
    out.mkdir()
    (out / f"podcaster-{DAY}.mp3").write_bytes(b"ID3 not really")
    (out / "podcaster-2026-11-19.html").write_text("<p>another day's notes</p>")
    data = {"title": "Show", "date": DAY, "hosts": {"ava": "Ava"}, "duration": 60.0,
            "published": "2026-11-20T06:00:00+00:00",
            "files": {"mp3": f"podcaster-{DAY}.mp3", "notes_html": str(secret), "vtt": "../secret.txt",
                      "chapters": "podcaster-2026-11-19.html"}}
    (out / f"podcaster-{DAY}.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["feed", "--out", str(out)])
    assert result.exit_code == 0 and "(1 episodes)" in result.stdout, result.output
    feed = (out / "feed.xml").read_text()
    assert "TOP SECRET" not in feed and "secret.txt" not in feed and "2026-11-19" not in feed
    assert f"podcaster-{DAY}.mp3" in feed

    (out / f"podcaster-{DAY}.html").write_text("<p>the notes of this episode</p>")    # its own notes are used
    assert runner.invoke(app, ["feed", "--out", str(out)]).exit_code == 0
    assert "the notes of this episode" in (out / "feed.xml").read_text()
