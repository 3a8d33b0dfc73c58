"""Your own presets in the config folder: hosts and styles added or replaced, prompts, topics and
lexicon merged over the bundled ones, `init --copy` to start from one, `voices --sample` to hear them."""
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from podcaster import config, models
from podcaster.cli import app
from podcaster.config import (
    bundled_voices_dir,
    load_host,
    load_lexicon,
    load_prompts,
    load_style,
    load_topics,
    preset_names,
    user_presets_dir,
)
from podcaster.errors import PresetError
from podcaster.mix import read_audio

runner = CliRunner()
ZOE = 'name = "Zoe"\npersona = "the reporter: on the ground, names who said what"\nkokoro_voices = ["af_heart"]\n'


@pytest.fixture
def mine(tmp_path, monkeypatch) -> Path:
    """Your presets folder: the folder of the profile PODCASTER_CONFIG names."""
    folder = tmp_path / "config"
    monkeypatch.setenv("PODCASTER_CONFIG", str(folder / "profile.toml"))
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_the_presets_folder_is_the_profiles_folder(mine):
    assert user_presets_dir() == mine


def test_a_host_of_your_own_is_added_and_listed_with_its_file(mine):
    write(mine / "hosts" / "zoe.toml", ZOE)
    assert "zoe" in preset_names("hosts") and {"ava", "kai", "leo", "nova"} <= set(preset_names("hosts"))
    assert load_host("zoe").name == "Zoe" and load_host("ava").name == "Ava"
    result = runner.invoke(app, ["voices"])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("│ ")}
    assert rows["zoe"].rstrip(" │").endswith("yours") and rows["ava"].rstrip(" │").endswith("bundled")
    assert f"yours: the NAME.toml files in {mine / 'hosts'} " in result.stdout


def test_a_style_of_your_own_replaces_the_bundled_one_of_its_name(mine):
    bundled = load_style("morning")
    text = (bundled_voices_dir() / "styles" / "morning.toml").read_text().replace("speed = 1.05", "speed = 0.8")
    write(mine / "styles" / "morning.toml", text + 'sting_file = "sounds/sting.wav"\n')
    style = load_style("morning")
    assert (style.speed, bundled.speed) == (0.8, 1.05)
    assert style.sting_file == str((mine / "styles" / "sounds" / "sting.wav").resolve())   # beside its file
    result = runner.invoke(app, ["styles"])
    assert result.exit_code == 0 and re.search(r"│ morning .*│ yours +│", result.stdout)
    assert re.search(r"│ evening .*│ bundled │", result.stdout)
    assert f"yours: the NAME.toml files in {mine / 'styles'} " in result.stdout


def test_your_prompt_replaces_that_prompt_only(mine):
    bundled = load_prompts()
    write(mine / "prompts.toml", 'line_welcome = """Morning, all: this is {show}."""\n')
    prompts = load_prompts()
    assert prompts["line_welcome"] == "Morning, all: this is {show}." != bundled["line_welcome"]
    assert {k: v for k, v in prompts.items() if k != "line_welcome"} == \
        {k: v for k, v in bundled.items() if k != "line_welcome"}


@pytest.mark.parametrize("body, problem", [
    ('line_goodby = "Bye."\n', "unknown prompt 'line_goodby'; the prompts are system, opening,"),
    ('line_goodbye = 3\n', "prompt 'line_goodbye' must be text"),
    ('line_goodbye = "Bye from {host}."\n', "prompt 'line_goodbye' uses {host}, which podcaster does not fill "
                                            "in there; it can use: none"),
    ('line_welcome = "Hello, {show.__class__}."\n', "prompt 'line_welcome' uses {show.__class__}, which podcaster "
                                                    "does not fill in there; it can use: {show}"),
    ('line_welcome = "Hello {."\n', "prompt 'line_welcome' has a stray brace"),
])
def test_a_bad_prompt_of_yours_is_refused_naming_the_file(mine, body, problem):
    path = write(mine / "prompts.toml", body)
    with pytest.raises(PresetError, match=re.escape(f"{path}: {problem}")):
        load_prompts()


def test_topics_add_up_bundled_then_yours_then_the_profiles(mine):
    bundled = load_topics()
    write(mine / "topics.toml", '[topics]\nChess = ["chess", "grandmaster"]\nsports = ["curling"]\n')
    topics = load_topics({"chess": ["checkmate", "chess"], "gardening": ["allotment"]})
    assert topics["chess"] == ["chess", "grandmaster", "checkmate"]
    assert topics["sports"] == bundled["sports"] + ["curling"]
    assert topics["gardening"] == ["allotment"] and topics["science"] == bundled["science"]


def test_the_lexicon_is_bundled_then_yours_then_the_profiles(mine):
    bundled = load_lexicon()
    assert bundled.say["Dr."] == "Doctor"
    write(mine / "lexicon.toml", '[say]\n"Dr." = "Doc"\n"Nguyen" = "Nwen"\n"Siobhan" = "Shivawn"\n'
                                 '[acronyms]\nwords = ["CERN"]\n[units]\nkm = ["klick", "klicks"]\n')
    lexicon = load_lexicon({"Nguyen": "Win"})
    assert (lexicon.say["Dr."], lexicon.say["Nguyen"], lexicon.say["Siobhan"]) == ("Doc", "Win", "Shivawn")
    assert lexicon.say["e.g."] == bundled.say["e.g."]
    assert lexicon.word_acronyms == bundled.word_acronyms | {"CERN"}
    assert lexicon.units["km"] == ("klick", "klicks") and lexicon.units["kg"] == bundled.units["kg"]


@pytest.mark.parametrize("name, body, problem", [
    ("hosts/zoe.toml", 'name = "Zoe"\npersona = \n', "not valid TOML"),
    ("hosts/zoe.toml", ZOE + 'accent = "Irish"\n', "unknown field 'accent'"),
    ("hosts/zoe.toml", ZOE.replace('["af_heart"]', '"af_heart"'), "field 'kokoro_voices' must be a non-empty list"),
    ("styles/morning.toml", 'description = "x"\n', "missing field 'writing'"),
    ("topics.toml", 'chess = ["chess"]\n', "topics go in a [topics] table"),
    ("topics.toml", '[topics]\nchess = "chess"\n', "topic 'chess' must be a list of keywords"),
    ("lexicon.toml", '[sayings]\n"a" = "b"\n', "unknown table 'sayings'; the tables are say, acronyms, units"),
    ("lexicon.toml", '[say]\n"Dr." = 1\n', "[say] must hold written = spoken"),
    ("lexicon.toml", '[units]\nkm = ["klick"]\n', "[units] must hold unit = [one, many]"),
])
def test_a_bad_file_of_yours_is_refused_naming_the_file(mine, name, body, problem):
    path = write(mine / name, body)
    load = {"hosts": lambda: load_host("zoe"), "styles": lambda: load_style("morning"), "topics": load_topics,
            "lexicon": load_lexicon}[name.split("/")[0].removesuffix(".toml")]
    with pytest.raises(PresetError, match=re.escape(str(path)) + ".*" + re.escape(problem)):
        load()


def test_a_preset_is_found_by_name_only(mine):
    write(mine / "profile.toml", ZOE)
    write(mine / "hosts" / "zoe.toml", ZOE)
    with pytest.raises(PresetError, match=r"unknown voice preset '\.\./profile'; choose one of: ava, kai, leo, "
                                          r"nova, zoe \(or add your own to "):
        load_host("../profile")


def test_init_copy_starts_you_from_a_bundled_preset(mine):
    result = runner.invoke(app, ["init", "--copy", "hosts/ava"])
    target = mine / "hosts" / "ava.toml"
    assert result.exit_code == 0 and result.stdout.startswith(f"{target}  (edit it")
    assert target.read_text() == (bundled_voices_dir() / "hosts" / "ava.toml").read_text()
    assert not (mine / "profile.toml").exists()         # --copy writes that file only

    target.write_text(target.read_text().replace('"Ava"', '"Ava Mine"'))
    assert load_host("ava").name == "Ava Mine"
    result = runner.invoke(app, ["init", "--copy", "hosts/ava"])
    assert result.exit_code == 5 and f"{target} already exists" in error_line(result) and "--force" in result.stderr
    assert load_host("ava").name == "Ava Mine"

    result = runner.invoke(app, ["init", "--copy", "hosts/ava", "--force"])
    assert result.exit_code == 0 and load_host("ava").name == "Ava"
    assert '"Ava Mine"' in (mine / "hosts" / "ava.toml.bak").read_text()
    assert sorted(p.name for p in (mine / "hosts").iterdir()) == ["ava.toml", "ava.toml.bak"]   # no temp left
    assert preset_names("hosts") == ["ava", "kai", "leo", "nova"]


@pytest.mark.parametrize("name", ["prompts", "topics", "lexicon.toml", "styles/deep-dive"])
def test_init_copy_takes_every_kind_and_a_copy_changes_nothing(mine, name):
    before = (load_prompts(), load_topics(), load_lexicon(), load_style("deep-dive"))
    result = runner.invoke(app, ["init", "--copy", name])
    assert result.exit_code == 0, result.output
    assert (mine / (name.removesuffix(".toml") + ".toml")).is_file()
    assert (load_prompts(), load_topics(), load_lexicon(), load_style("deep-dive")) == before


@pytest.mark.parametrize("args, code, problem", [
    (["--copy", "hosts/zed"], 5, "--copy 'hosts/zed' is no bundled preset; copy one of: hosts/ava, "),
    (["--copy", "../profile"], 5, "is no bundled preset"),
    (["--copy", "prompts", "--config", "elsewhere.toml"], 2, "--copy writes to your presets folder"),
])
def test_init_copy_refuses_what_it_cannot_copy(mine, args, code, problem):
    result = runner.invoke(app, ["init", *args])
    assert result.exit_code == code and problem in error_line(result)
    assert not mine.exists()


def test_init_without_copy_still_writes_the_starter_profile(mine):
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0 and (mine / "profile.toml").is_file()


def test_tts_flags_of_voices_go_with_sample(mine):
    result = runner.invoke(app, ["voices", "--device", "cpu"])
    assert result.exit_code == 2 and "add --sample FOLDER" in error_line(result)


def _only_hosts(monkeypatch, tmp_path, keys):
    """The bundled presets with only these hosts (the tiny test model has two voices)."""
    voices = tmp_path / "voices"
    shutil.copytree(bundled_voices_dir(), voices)
    for path in (voices / "hosts").glob("*.toml"):
        if path.stem not in keys:
            path.unlink()
    monkeypatch.setattr(config, "bundled_voices_dir", lambda: voices)


def test_voices_sample_writes_a_clip_of_each_host(mine, tmp_path, monkeypatch, tiny_kokoro):
    _only_hosts(monkeypatch, tmp_path, ("ava", "kai"))
    write(mine / "hosts" / "zoe.toml", ZOE)
    out = tmp_path / "clips"
    result = runner.invoke(app, ["voices", "--sample", str(out), "--tts", str(tiny_kokoro), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["ava.mp3", "kai.mp3", "zoe.mp3"]
    assert f"{out / 'zoe.mp3'}  (Zoe, voice af_heart, " in result.stdout
    for path in out.iterdir():
        assert read_audio(path).size > 24_000 * 0.5


def test_voices_sample_says_which_host_has_no_voice(mine, tmp_path, monkeypatch, tiny_kokoro):
    _only_hosts(monkeypatch, tmp_path, ("ava",))
    write(mine / "hosts" / "zoe.toml", ZOE.replace('"af_heart"', '"zz_none"'))
    result = runner.invoke(app, ["voices", "--sample", str(tmp_path / "clips"), "--tts", str(tiny_kokoro),
                                 "--device", "cpu"])
    assert result.exit_code == 5 and "has only: af_heart, am_michael" in error_line(result)
    assert not list((tmp_path / "clips").iterdir())


@pytest.mark.skipif(models.offline_kokoro_files() is None, reason="offline Kokoro set not installed")
def test_voices_sample_speaks_each_host_with_the_real_model(mine, tmp_path):
    """The offline Kokoro set: a clip per bundled host, each a few seconds of speech, not silence,
    and each host sounding unlike the others."""
    out = tmp_path / "clips"
    result = runner.invoke(app, ["voices", "--sample", str(out), "--runtime", "onnx", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    clips = {path.stem: read_audio(path) for path in out.iterdir()}
    assert sorted(clips) == ["ava", "kai", "leo", "nova"]
    for name, audio in clips.items():
        seconds = len(audio) / 24_000
        loud = np.sqrt(np.mean(audio ** 2))
        voiced = np.mean(np.abs(audio) > 0.02)          # share of samples above the noise floor
        assert 3 < seconds < 20 and loud > 0.03 and voiced > 0.3, (name, seconds, loud, voiced)
    assert len({round(len(audio) / 2400) for audio in clips.values()}) > 1     # not one clip four times
