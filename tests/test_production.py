"""Broadcast sound and podcast-app output: loudness, chapters, transcript timing, show notes, feed."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import numpy as np
import pytest
from mutagen.id3 import ID3
from typer.testing import CliRunner

from podcaster import loudness, models
from podcaster.cli import app
from podcaster.config import EpisodeOptions, load_host, load_style
from podcaster.mix import load_sounds, mix_lines, read_audio
from podcaster.pipeline import make_episode
from podcaster.publish import publish_episode
from podcaster.speech import load_tts, pick_voice, render_turns
from podcaster.types import Cluster, Script, Story, Turn

from conftest import DEMO_FEEDS

STORIES = [Story("s1", "Solar ferry opens", "The ferry carried 1,240 people. It is quiet.", "https://example.org/ferry",
                 "Harbour Gazette", None),
           Story("s2", "Coral reef grows back", "Coral cover is up 40 percent.", "https://example.org/coral",
                 "Science Desk", None)]
TURNS = [Turn("ava", "Good morning, and welcome to the show. Kai is here with me.", [], 0),
         Turn("kai", "Morning! We have two good stories today.", [], 0),
         Turn("ava", "A solar ferry line opened across the bay, and it carried over a thousand people.", ["s1"], 1),
         Turn("kai", "Right!", ["s1"], 1),
         Turn("kai", "And the engines are so quiet that passengers noticed that first.", ["s1"], 1),
         Turn("ava", "Next, a coral reef is growing back faster than expected.", ["s2"], 2),
         Turn("kai", "Coral cover is up by forty percent in three years.", ["s2"], 2),
         Turn("ava", "That's all for today. Thanks for listening!", [], 3),
         Turn("kai", "See you tomorrow.", [], 3)]
SCRIPT = Script("The Daily Feed, Thursday, November 26 2026", "2026-11-26", {"ava": "Ava", "kai": "Kai"},
                [Cluster(s.id, (s,)) for s in STORIES], TURNS)

offline = pytest.mark.skipif(models.offline_kokoro_files() is None, reason="offline Kokoro set not installed")


@pytest.fixture(scope="module")
def real_lines():
    """The script spoken by the real offline Kokoro voices (jf_alpha and jm_kumo)."""
    engine = load_tts(None, "onnx", "cpu")
    hosts = {"ava": load_host("ava"), "kai": load_host("kai")}
    voices = {key: pick_voice(host, engine) for key, host in hosts.items()}
    return render_turns(TURNS, hosts, voices, load_style("morning"), engine)


@pytest.fixture(scope="module")
def published(real_lines, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    style = load_style("morning")
    samples, rate, spans = mix_lines(real_lines, style, load_sounds(style, real_lines[0].sample_rate))
    episode = publish_episode(out, SCRIPT, samples, rate, spans, base_url="https://pods.example.org/daily")
    return episode, spans


@offline
def test_episode_meets_podcast_loudness_on_real_speech(published):
    episode, spans = published
    rate = 44_100
    audio = read_audio(episode.mp3, rate)
    assert abs(loudness.integrated_lufs(audio, rate) - loudness.TARGET_LUFS) <= 1.0
    assert loudness.true_peak_dbtp(audio, rate) <= loudness.TRUE_PEAK_DBTP
    # both hosts at the same perceived level
    per_host = {}
    for host in ("ava", "kai"):
        parts = [audio[int(a * rate):int(b * rate)] for t, (a, b) in zip(TURNS, spans) if t.speaker == host]
        per_host[host] = loudness.integrated_lufs(np.concatenate(parts), rate)
    assert abs(per_host["ava"] - per_host["kai"]) <= 1.0, per_host


@offline
def test_chapters_one_per_story_at_its_first_line(published):
    episode, spans = published
    tags = ID3(episode.mp3)
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == ["Solar ferry opens", "Coral reef grows back"]
    assert [c.sub_frames.getall("WXXX")[0].url for c in chapters] == [s.link for s in STORIES]
    first_lines = [spans[2][0], spans[5][0]]
    assert all(abs(c.start_time / 1000 - start) <= 0.5 for c, start in zip(chapters, first_lines))
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    # speech really starts there: quiet just before the chapter mark, voice just after
    rate = 24_000
    audio = read_audio(episode.mp3, rate)
    rms = lambda a, b: float(np.sqrt(np.mean(audio[int(a * rate):int(b * rate)] ** 2)))  # noqa: E731
    for c in chapters:
        t = c.start_time / 1000
        assert rms(t + 0.05, t + 0.4) > 3 * rms(t - 0.3, t - 0.05)


@offline
def test_vtt_cues_match_the_audio(published):
    episode, spans = published
    vtt = episode.mp3.with_suffix(".vtt").read_text()
    assert vtt.startswith("WEBVTT")
    cues = re.findall(r"(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})\n<v (\w+)>(.+)", vtt)
    assert len(cues) == len(TURNS)
    for (h, m, s, h2, m2, s2, name, text), turn, (start, end) in zip(cues, TURNS, spans):
        assert abs(int(h) * 3600 + int(m) * 60 + float(s) - start) < 0.5
        assert abs(int(h2) * 3600 + int(m2) * 60 + float(s2) - end) < 0.5
        assert name == SCRIPT.hosts[turn.speaker] and text == turn.text


@offline
def test_show_notes_cite_every_story(published):
    episode, _ = published
    md = episode.mp3.with_suffix(".md").read_text()
    html = episode.mp3.with_suffix(".html").read_text()
    for story in STORIES:
        assert story.title in md and story.link in md and story.body.split(".")[0] in md
        assert story.title in html and f'href="{story.link}"' in html


def test_limiter_holds_the_true_peak_ceiling():
    rate = 24_000
    t = np.arange(rate * 2) / rate
    loud = (np.sin(2 * np.pi * 220 * t) * np.where((t % 0.5) < 0.05, 1.4, 0.3)).astype(np.float32)
    limited = loudness.limit_true_peak(loud, rate, ceiling_dbtp=-1.6)
    assert loudness.true_peak_dbtp(limited, rate) <= -1.5
    quiet = slice(int(0.2 * rate), int(0.4 * rate))   # away from the peaks nothing changes
    assert np.allclose(limited[quiet], loud[quiet], atol=1e-4)


NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def test_feed_lists_kept_episodes_for_podcast_apps(tmp_path, tiny_llm, tiny_kokoro):
    out = tmp_path / "out"
    for day in (25, 26):
        make_episode(EpisodeOptions(feeds=DEMO_FEEDS, out=out, minutes=0.4, llm=str(tiny_llm), tts=str(tiny_kokoro),
                                    runtime="torch", device="cpu", style="headlines",
                                    base_url="https://pods.example.org/daily").resolve(),
                     now=NOW.replace(day=day))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo and feed.version == "rss20"
    channel = feed.feed
    for key in ("title", "subtitle", "author", "language", "image"):
        assert channel.get(key), key
    assert channel.tags[0].term == "News"
    assert (out / Path(channel.image.href).name).read_bytes().startswith(b"\x89PNG")
    raw = ElementTree.parse(out / "feed.xml").getroot().find("channel")
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    assert raw.find(f"{itunes}explicit").text == "false"   # feedparser reads only "yes"
    assert [e.id for e in feed.entries] == ["podcaster-2026-11-26", "podcaster-2026-11-25"]
    for entry in feed.entries:
        enclosure = entry.enclosures[0]
        mp3 = out / Path(enclosure.href).name
        assert enclosure.href.startswith("https://pods.example.org/daily/") and enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == mp3.stat().st_size
        h, m, s = map(int, entry.itunes_duration.split(":"))
        assert abs(h * 3600 + m * 60 + s - read_audio(mp3).size / 24_000) <= 1
        assert entry.published and entry.description

    (out / "podcaster-2026-11-25.mp3").unlink()     # the listener deletes an episode
    result = CliRunner().invoke(app, ["feed", "--out", str(out), "--base-url", "https://pods.example.org/daily"])
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert [e.id for e in feed.entries] == ["podcaster-2026-11-26"]


@pytest.mark.parametrize("flag, make, code, message", [
    ("--sting", lambda p: p / "missing.wav", 9, "cannot read audio file {path}"),
    ("--bed", lambda p: (p / "bed.mp3").write_text("not audio") and p / "bed.mp3", 9, "cannot read audio file {path}"),
    ("--artwork", lambda p: (p / "cover.png").write_text("not an image") and p / "cover.png", 9,
     "artwork file {path} is not a PNG or JPEG image"),
    ("--artwork", lambda p: p / "nope.jpg", 9, "cannot read artwork file {path}"),
    ("--base-url", lambda p: "ftp://example.org/pods", 2, "is not an http(s) URL"),
])
def test_bad_production_input_is_named(tmp_path, tiny_kokoro, flag, make, code, message):
    value = make(tmp_path)
    result = CliRunner().invoke(app, ["daily", "--feeds", str(DEMO_FEEDS), "--out", str(tmp_path / "out"),
                                      "--tts", str(tiny_kokoro), "--device", "cpu", flag, str(value)])
    assert result.exit_code == code, result.output
    assert message.format(path=value) in result.stderr
    assert not list((tmp_path / "out").glob("*.mp3")) if (tmp_path / "out").exists() else True
