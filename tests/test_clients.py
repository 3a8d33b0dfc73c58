"""Read by real podcast clients: an episode published the product's way, then read with the parsers
clients use (gPodder's podcastparser, feedparser, ffmpeg as VLC and mpv use it, webvtt-py), and its
chapters JSON and cover checked against the Podcasting 2.0 spec and the directories' requirements."""
from __future__ import annotations

import json
import re
import subprocess

import feedparser
import imageio_ffmpeg
import numpy as np
import podcastparser
import pytest
import webvtt
from mutagen.id3 import ID3
from PIL import Image

from podcaster.publish import publish_episode
from podcaster.types import Cluster, Script, Story, Turn

BASE = "https://pods.example.org/daily/"
# titles that get shorter: mutagen stores frames by size, so without care ffmpeg would list them backwards
TITLES = ["A very long first story title about the harbour ferry and its new timetable",
          "Second story, a shorter title", "Third story", "Fourth", "Last"]
STORIES = [Story(f"s{i}", t, f"Report {i} says what happened.", f"https://example.org/{i}", "Desk", None)
           for i, t in enumerate(TITLES)]
RATE, TURN_S = 24_000, 4.0


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    turns = [Turn("ava", "Good morning and welcome to the show.", [], 0)]
    for i, story in enumerate(STORIES, 1):
        turns += [Turn("ava", f"Story {i} begins here.", [story.id], i),
                  Turn("kai", f"And story {i} goes on.", [story.id], i)]
    turns.append(Turn("kai", "That's all for today. Goodbye!", [], len(STORIES) + 1))
    script = Script("The Daily Feed, Thursday, November 26 2026", "2026-11-26", {"ava": "Ava", "kai": "Kai"},
                    [Cluster(s.id, (s,)) for s in STORIES], turns)
    spans = [(i * TURN_S + 0.5, i * TURN_S + 3.5) for i in range(len(turns))]
    samples = (np.random.default_rng(0).standard_normal(int(len(turns) * TURN_S * RATE)) * 0.05).astype(np.float32)
    out = tmp_path_factory.mktemp("published")
    published = publish_episode(out, script, samples, RATE, spans, base_url=BASE)
    starts = [spans[1 + 2 * i][0] for i in range(len(STORIES))]
    return out, published, starts


def test_ffmpeg_lists_the_chapters_in_time_order(episode):
    """VLC, mpv and other players built on ffmpeg follow the CHAP frames' order in the file."""
    _, published, starts = episode
    listed = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(published.mp3), "-f",
                             "ffmetadata", "-"], capture_output=True, text=True, check=True).stdout
    chapters = re.findall(r"\[CHAPTER\]\nTIMEBASE=1/1000\nSTART=(\d+)\nEND=(\d+)\ntitle=(.*)", listed)
    assert [title for _, _, title in chapters] == TITLES
    assert all(abs(int(start) / 1000 - want) < 0.1 for (start, _, _), want in zip(chapters, starts))
    tags = ID3(published.mp3)            # the tag is still whole for readers that follow the CTOC
    assert [str(tags[f"CHAP:{c}"].sub_frames["TIT2"]) for c in tags.getall("CTOC")[0].child_element_ids] == TITLES


def test_gpodder_reads_the_episode_and_its_chapters(episode):
    out, published, starts = episode
    with open(out / "feed.xml", "rb") as feed:
        parsed = podcastparser.parse(BASE + "feed.xml", feed)
    assert parsed["title"] == "The Daily Feed" and parsed["cover_url"] == BASE + "cover.png"
    (item,) = parsed["episodes"]
    assert item["title"] == "The Daily Feed, Thursday, November 26 2026" and item["guid"] == "podcaster-2026-11-26"
    assert item["enclosures"] == [{"url": BASE + published.mp3.name, "file_size": published.mp3.stat().st_size,
                                   "mime_type": "audio/mpeg"}]
    assert item["total_time"] == round(published.duration_s)
    assert [c["title"] for c in item["chapters"]] == TITLES
    assert [c["href"] for c in item["chapters"]] == [s.link for s in STORIES]
    assert all(abs(c["start"] - want) <= 1 for c, want in zip(item["chapters"], starts))


def test_feedparser_reads_enclosure_duration_transcript_and_both_chapter_forms(episode):
    out, published, starts = episode
    item = feedparser.parse((out / "feed.xml").read_bytes()).entries[0]
    (enclosure,) = [link for link in item.links if link.rel == "enclosure"]
    assert enclosure.type == "audio/mpeg" and int(enclosure.length) == published.mp3.stat().st_size
    assert item.id == "podcaster-2026-11-26" and item.itunes_duration == "00:00:48"
    assert item.podcast_transcript == {"url": BASE + "podcaster-2026-11-26.vtt", "type": "text/vtt"}
    assert item.podcast_chapters["url"] == BASE + "podcaster-2026-11-26.chapters.json"
    podlove = item.psc_chapters["chapters"]
    assert [c["title"] for c in podlove] == TITLES
    assert [c["start_parsed"].total_seconds() for c in podlove] == pytest.approx(starts, abs=0.001)


def test_chapters_json_follows_the_podcasting_2_0_spec(episode):
    """github.com/Podcastindex-org/podcast-namespace, chapters/jsonChapters.md: a version string, a
    chapters array of objects with a numeric startTime (seconds) in order, optional title, url, endTime."""
    out, _, starts = episode
    data = json.loads((out / "podcaster-2026-11-26.chapters.json").read_text(encoding="utf-8"))
    assert isinstance(data["version"], str) and re.fullmatch(r"\d+\.\d+\.\d+", data["version"])
    chapters = data["chapters"]
    assert [c["startTime"] for c in chapters] == sorted(c["startTime"] for c in chapters)
    assert all(isinstance(c["startTime"], (int, float)) and c["endTime"] >= c["startTime"] for c in chapters)
    assert [c["title"] for c in chapters] == TITLES and all(c["url"].startswith("https://") for c in chapters)
    assert [c["startTime"] for c in chapters] == pytest.approx(starts, abs=0.001)


def test_the_transcript_is_webvtt_a_parser_reads(episode):
    out, _, _ = episode
    cues = webvtt.read(str(out / "podcaster-2026-11-26.vtt"))
    assert len(cues) == 2 * len(STORIES) + 2
    assert all(a.end_in_seconds <= b.start_in_seconds for a, b in zip(cues, cues[1:]))
    assert cues[0].voice == "Ava" and cues[1].voice == "Ava" and cues[2].voice == "Kai"
    assert cues[1].text == "Story 1 begins here."


def test_the_cover_is_one_the_directories_accept(episode):
    """Apple Podcasts (and Spotify, which asks the same): square, 1400 to 3000 pixels, JPEG or PNG, RGB."""
    out, _, _ = episode
    with Image.open(out / "cover.png") as cover:
        assert cover.format in ("PNG", "JPEG") and cover.mode == "RGB"
        assert cover.width == cover.height and 1400 <= cover.width <= 3000


def test_a_cover_the_directories_would_refuse_is_named(tmp_path, caplog):
    """Your own --artwork is used as it is, with a warning when Apple and Spotify would refuse it."""
    from podcaster.publish import _cover
    from podcaster.types import Show
    small = tmp_path / "small.png"
    Image.new("RGB", (800, 600)).save(small)
    (tmp_path / "out1").mkdir()
    _cover(tmp_path / "out1", small, Show())
    assert "800x600 pixels; they ask for a square of 1400 to 3000" in caplog.text
    caplog.clear()
    good = tmp_path / "good.jpg"
    Image.new("RGB", (1400, 1400)).save(good)
    (tmp_path / "out2").mkdir()
    assert _cover(tmp_path / "out2", good, Show()).name == "cover.jpg" and "may refuse" not in caplog.text
