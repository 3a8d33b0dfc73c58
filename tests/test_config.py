"""Presets are data: they load, list, and fail with a message that names file and field."""
import re
from pathlib import Path

import pytest

from podcaster import config
from podcaster.config import EpisodeOptions, load_host, load_style, parse_duration, preset_names
from podcaster.errors import EXIT_CODES, PresetError, UsageError

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_presets_all_load():
    assert {"ava", "kai"} <= set(preset_names("hosts"))
    assert {"morning", "deep-dive", "headlines", "debate", "evening"} <= set(preset_names("styles"))
    for key in preset_names("hosts"):
        assert load_host(key).kokoro_voices
    for key in preset_names("styles"):
        assert 0.5 <= load_style(key).speed <= 2.0


def test_each_style_changes_both_the_writing_and_the_delivery():
    styles = [load_style(key) for key in preset_names("styles")]
    assert len({s.writing for s in styles}) == len({s.words_per_story for s in styles}) == len(styles)
    assert len({(s.speed, s.turn_pause_ms, s.segment_pause_ms) for s in styles}) == len(styles)


def test_the_morning_and_evening_styles_say_when_they_go_out():
    assert (load_style("morning").time_of_day, load_style("evening").time_of_day, load_style("headlines").time_of_day) \
        == ("morning", "evening", "")


def test_unknown_preset_lists_the_choices():
    with pytest.raises(PresetError, match="unknown voice preset 'zed'; choose one of: ava, kai"):
        load_host("zed")
    with pytest.raises(PresetError, match="unknown style preset 'loud'"):
        load_style("loud")


@pytest.mark.parametrize("body, problem", [
    ('description = "x"\n', "missing field 'writing'"),
    ('description = "x"\nwriting = "y"\nspeed = "fast"\nwords_per_minute = 150\nwords_per_story = 100\n'
     'turn_pause_ms = 200\nsegment_pause_ms = 500\n', "field 'speed' must be a float"),
    ('description = "x"\nwriting = "y"\nspeed = 1.0\nwords_per_minute = 150\nwords_per_story = 100\n'
     'turn_pause_ms = 200\nsegment_pause_ms = 500\ncolour = "red"\n', "unknown field 'colour'"),
    ("description = \n", "not valid TOML"),
    ('description = "x"\nwriting = "y"\nspeed = 1.0\nwords_per_minute = 150\nwords_per_story = 100\n'
     'turn_pause_ms = 200\nsegment_pause_ms = 500\ntime_of_day = "noon"\n', "field 'time_of_day' must be"),
])
def test_bad_style_file_names_file_and_field(tmp_path, monkeypatch, body, problem):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "bad.toml").write_text(body)
    monkeypatch.setattr(config, "bundled_voices_dir", lambda: tmp_path)
    with pytest.raises(PresetError, match=re.escape(str(tmp_path / "styles" / "bad.toml")) + ".*" + re.escape(problem)):
        load_style("bad")


@pytest.mark.parametrize("minutes", [0, -3])
def test_minutes_must_be_positive(minutes):
    with pytest.raises(UsageError, match="--minutes must be above 0"):
        EpisodeOptions(feeds=Path("f"), out=Path("o"), minutes=minutes).validate()


def test_durations():
    assert parse_duration("36h").total_seconds() == 36 * 3600
    assert parse_duration("2d").days == 2
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration("soon")


def test_readme_documents_every_exit_code():
    readme = (ROOT / "README.md").read_text()
    for code, _ in EXIT_CODES:
        assert re.search(rf"^\| *{code} *\|", readme, re.M), f"exit code {code} missing from README table"
