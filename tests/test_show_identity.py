"""The show's identity (the profile's [show]): parsed and checked, then in the script the writer is
asked for, the MP3's tags, feed.xml as podcast clients read it, and the drawn cover."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import podcastparser
import pytest
from mutagen.id3 import ID3
from PIL import Image
from typer.testing import CliRunner

from podcaster.artwork import drawn_title
from podcaster.cli import app
from podcaster.config import EpisodeOptions, load_host, load_prompts, load_style
from podcaster.errors import ProfileError
from podcaster.pipeline import make_episode
from podcaster.profile import episode_options, load_profile, starter_profile
from podcaster.publish import publish_episode, write_feed
from podcaster.types import Cluster, Script, Show, Story, Turn
from podcaster.writer import Segment, _name_every_story, system_prompt
from podcaster.writer.grounding import Grounds
from podcaster.writer.support import ShowRules, house_rule

from conftest import DEMO_FEEDS

BASE = "https://pods.example.org/harbour/"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
HARBOUR = Show(name="Harbour Hour", description="The bay's news, every morning.", author="Mira Okafor",
               language="en-GB", category="News/Daily News", explicit=True)
STORY = Story("s1", "Solar ferry opens", "The ferry carried 1,240 people.", "https://example.org/ferry",
              "Harbour Gazette", None)
runner = CliRunner()


def profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---- the profile -------------------------------------------------------------

def test_the_show_table_sets_the_shows_identity(tmp_path):
    path = profile(tmp_path, '[show]\nname = "  Harbour\\u0007 Hour\\n"\n'
                             'description = "The bay\'s news,\\n every morning."\n'
                             'author = "Mira\\u200b Okafor"\nlanguage = "en-GB"\ncategory = "news/daily news"\n'
                             'explicit = true\n')
    show = episode_options(load_profile(path)).show
    assert show == Show(name="Harbour Hour", description="The bay's news,\nevery morning.", author="Mira Okafor",
                        language="en-GB", category="News/Daily News", explicit=True)
    # what the table leaves out keeps podcaster's defaults; no table, no change
    only_name = episode_options(load_profile(profile(tmp_path, '[show]\nname = "Bay Brief"\n'))).show
    assert only_name == Show(name="Bay Brief")
    assert episode_options(load_profile(profile(tmp_path, 'minutes = 5\n'))).show == Show()
    assert EpisodeOptions().show == Show() and Show().name == "The Daily Feed" and Show().language == "en"


def test_the_starter_profile_documents_the_show_table():
    text = starter_profile()
    assert "[show]" in text and all(f"# {key} = " in text for key in ("name", "description", "author", "language",
                                                                      "category", "explicit"))


@pytest.mark.parametrize("table, message", [
    ('nmae = "X"', "unknown key 'show.nmae'; did you mean 'name'?"),
    ('title = "X"', "unknown key 'show.title'; valid keys: name, description, author, language, category, explicit"),
    ("name = 3", "'show.name' must be text (got 3)"),
    ('name = "  \\u0007 "', "'show.name' is empty; write the show's name"),
    ('name = "' + "x" * 101 + '"', "'show.name' is 101 characters long; the most is 100"),
    ('description = "' + "x" * 4001 + '"', "'show.description' is 4001 characters long; the most is 4000"),
    ('author = ["Mira"]', "'show.author' must be text (got ['Mira'])"),
    ('language = "english"', "'show.language' must be a language tag like \"en\" or \"en-GB\" (got 'english')"),
    ('language = "de-DE"', "'show.language' is 'de-DE', but the script and the voices are English only; "
                           "write \"en\""),
    ('category = "Newz"', "'show.category' 'Newz' is not an Apple Podcasts category (podcast apps refuse unknown "
                          "ones); did you mean 'News'?"),
    ('category = "Cooking"', "; write one of: Arts, Business, Comedy,"),
    ('category = "News/Weather"', "'show.category' 'News/Weather': 'Weather' is not an Apple Podcasts subcategory "
                                  "of News (podcast apps refuse unknown ones); write News/ and one of: Business News,"),
    ('category = "Technology/Gadgets"', "subcategory of Technology (podcast apps refuse unknown ones); it has none; "
                                        "write \"Technology\""),
    ('explicit = "no"', "'show.explicit' must be true or false (got 'no')"),
])
def test_a_bad_show_value_is_one_line_naming_the_file_and_key(tmp_path, table, message):
    path = profile(tmp_path, f"[show]\n{table}\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert message in str(caught.value) and str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)
    result = runner.invoke(app, ["daily", "--config", str(path)])
    assert result.exit_code == 10 and message in result.stderr


def test_show_must_be_a_table(tmp_path):
    with pytest.raises(ProfileError, match=r"'show' must be a table of the show's name"):
        load_profile(profile(tmp_path, 'show = "Harbour Hour"\n'))


# ---- the published episode: tags, feed, cover -----------------------------------

def publish(out: Path, show: Show, **kw):
    turns = [Turn("ava", "Good morning, and welcome.", [], 0), Turn("kai", "Morning!", [], 0),
             Turn("ava", "A solar ferry opened.", ["s1"], 1), Turn("kai", "It carried 1,240 people.", ["s1"], 1),
             Turn("ava", "Goodbye!", [], 2)]
    script = Script(f"{show.name}, Thursday, November 26 2026", "2026-11-26", {"ava": "Ava", "kai": "Kai"},
                    [Cluster("s1", (STORY,))], turns)
    rate = 24_000
    spans = [(i * 2.0 + 0.2, i * 2.0 + 1.8) for i in range(len(turns))]
    samples = (np.random.default_rng(0).standard_normal(len(turns) * 2 * rate) * 0.05).astype(np.float32)
    return publish_episode(out, script, samples, rate, spans, base_url=BASE, show=show, **kw)


@pytest.fixture(scope="module")
def harbour(tmp_path_factory):
    out = tmp_path_factory.mktemp("harbour")
    return out, publish(out, HARBOUR)


def read_feed(out: Path) -> dict:
    with open(out / "feed.xml", "rb") as feed:
        return podcastparser.parse(BASE + "feed.xml", feed)


def test_podcast_clients_read_the_shows_identity_from_the_feed(harbour):
    out, _ = harbour
    parsed = read_feed(out)
    assert parsed["title"] == "Harbour Hour" and parsed["description"] == "The bay's news, every morning."
    assert parsed["itunes_author"] == "Mira Okafor" and parsed["itunes_owner"]["name"] == "Mira Okafor"
    assert parsed["language"] == "en-GB" and parsed["explicit"] is True
    assert parsed["itunes_categories"] == [["News", "Daily News"]]
    channel = ElementTree.parse(out / "feed.xml").getroot().find("channel")
    (category,) = channel.findall(f"{ITUNES}category")           # the subcategory nested in its category
    assert category.get("text") == "News" and [c.get("text") for c in category] == ["Daily News"]
    assert [e.text for e in channel.iter(f"{ITUNES}explicit")] == ["true", "true"]     # the show and its episode


def test_the_defaults_are_todays_show_with_the_hosts_as_its_author(tmp_path):
    publish(tmp_path, Show())
    parsed = read_feed(tmp_path)
    assert parsed["title"] == "The Daily Feed" and parsed["itunes_author"] == "Ava & Kai"
    assert parsed["language"] == "en" and parsed["explicit"] is False and parsed["itunes_categories"] == [["News"]]
    assert "TPE2" not in ID3(tmp_path / "podcaster-2026-11-26.mp3")


def test_the_mp3_tags_carry_the_shows_name_author_and_language(harbour):
    _, episode = harbour
    tags = ID3(episode.mp3)
    assert str(tags["TALB"]) == "Harbour Hour" and str(tags["TPE2"]) == "Mira Okafor"
    assert str(tags["TLAN"]) == "eng" and str(tags["TPE1"]) == "Ava & Kai"
    assert str(tags["TIT2"]) == "Harbour Hour, Thursday, November 26 2026"


def test_the_drawn_cover_carries_the_name_and_is_drawn_again_when_it_changes(tmp_path):
    publish(tmp_path, Show(name="Bay Brief"))
    cover = tmp_path / "cover.png"
    assert drawn_title(cover) == "Bay Brief"
    with Image.open(cover) as image:
        assert image.size == (1400, 1400)
    publish(tmp_path, Show(name="A much longer name for a show about the harbour, its ferries and its people"))
    assert drawn_title(cover) == "A much longer name for a show about the harbour, its ferries and its people"
    # a cover of the listener's own, left from an earlier --artwork, is never drawn over
    own = tmp_path / "own.png"
    Image.new("RGB", (1400, 1400), (200, 10, 10)).save(own)
    publish(tmp_path, Show(name="Bay Brief"), artwork=own)
    publish(tmp_path, Show(name="Other Name"))
    assert drawn_title(cover) is None and cover.read_bytes() == own.read_bytes()


def test_a_cover_drawn_before_covers_were_marked_is_taken_as_the_old_name(tmp_path):
    cover = tmp_path / "cover.png"
    image = Image.new("RGB", (1400, 1400), (250, 180, 80))
    image.putpixel((0, 0), (20, 30, 90))
    image.save(cover)
    assert drawn_title(cover) == "The Daily Feed"
    publish(tmp_path, Show(name="Bay Brief"))
    assert drawn_title(cover) == "Bay Brief"


def test_write_feed_uses_the_show_it_is_given(harbour, tmp_path):
    out, _ = harbour
    write_feed(out, BASE, show=Show(name="Renamed", category="Technology"))
    parsed = read_feed(out)
    assert parsed["title"] == "Renamed" and parsed["itunes_categories"] == [["Technology"]]
    write_feed(out, BASE, show=HARBOUR)
    assert read_feed(out)["title"] == "Harbour Hour"


# ---- the writer --------------------------------------------------------------

def test_the_writers_system_prompt_names_the_show():
    hosts = (load_host("ava"), load_host("kai"))
    prompt = system_prompt(load_prompts(), "Harbour Hour", load_style("morning"), hosts)
    assert 'the script of "Harbour Hour", a daily news podcast' in prompt and "Daily Feed" not in prompt


def test_the_shows_own_welcome_line_says_the_shows_name():
    ava, kai = load_host("ava"), load_host("kai")
    opening = Segment("opening", "opening", 0, (ava, kai), [], 40, Grounds.of([], set()), [], 2,
                      preview=(STORY.title,))
    turns = _name_every_story([], [Cluster("s1", (STORY,))], opening, load_prompts(), "Harbour Hour")
    assert turns[0].text == "Good day, and welcome to Harbour Hour."


def test_the_house_rules_know_the_shows_own_name():
    rules = ShowRules(("Ava", "Kai"), "Harbour Hour", "morning")
    grounds = Grounds.of([Cluster("s1", (STORY,))], {"Ava", "Kai", "Harbour Hour"})
    assert house_rule("Good morning and welcome to Harbour Hour.", "opening", rules, grounds) == ""
    assert house_rule("Good morning and welcome to The Daily Feed.", "opening", rules, grounds) == \
        "names the show wrongly"
    assert house_rule("You're listening to harbour hour, by the way.", "segment", rules, grounds) == \
        "a sign-off or show announcement mid-show"
    # a one-word name is the show only as written: the news's own "briefing" stays
    brief = ShowRules(("Ava", "Kai"), "Briefing", "morning")
    assert house_rule("At a briefing, the operator said the ferry carried 1,240 people.", "segment", brief,
                      grounds) == ""
    assert house_rule("This is Briefing, and the ferry carried 1,240 people.", "segment", brief, grounds) == \
        "a sign-off or show announcement mid-show"


# ---- the whole path -----------------------------------------------------------

def test_the_profiles_show_reaches_the_script_tags_feed_and_cover(tmp_path, tiny_llm, tiny_kokoro):
    opts = EpisodeOptions(feeds=DEMO_FEEDS, out=tmp_path / "out", minutes=0.6, llm=str(tiny_llm),
                          tts=str(tiny_kokoro), runtime="torch", device="cpu", style="headlines", show=HARBOUR)
    episode = make_episode(opts.resolve(), now=datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc))
    assert episode.script.title == "Harbour Hour, Thursday, November 26 2026"
    assert json.loads(episode.script_json.read_text())["title"] == episode.script.title
    assert episode.transcript.read_text().startswith("Harbour Hour, ")
    assert str(ID3(episode.mp3)["TALB"]) == "Harbour Hour"
    parsed = read_feed(tmp_path / "out")
    assert parsed["title"] == "Harbour Hour" and parsed["itunes_author"] == "Mira Okafor"
    assert drawn_title(tmp_path / "out" / "cover.png") == "Harbour Hour"


def test_podcaster_feed_rebuilds_the_feed_with_the_profiles_show(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    publish(out, Show())
    path = profile(tmp_path, f'output_dir = "{out}"\nbase_url = "{BASE}"\n[show]\nname = "Bay Brief"\n'
                             f'author = "Mira Okafor"\ncategory = "Technology"\n')
    result = runner.invoke(app, ["feed", "--config", str(path)])
    assert result.exit_code == 0, result.output
    parsed = read_feed(out)
    assert parsed["title"] == "Bay Brief" and parsed["itunes_categories"] == [["Technology"]]
    assert parsed["itunes_author"] == "Mira Okafor"
