"""Review before speech: `daily --script-only` writes the script, `speak FILE` makes the episode from
it as edited; `daily --demo`; the CLI's conventions (-h, completion, choices, summaries)."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcaster.cli import app
from podcaster.script_file import read_draft

from conftest import DEMO_FEEDS

runner = CliRunner()
DAY = "2026-11-26"


def models(tiny_llm, tiny_kokoro):
    return ["--llm", str(tiny_llm), "--tts", str(tiny_kokoro), "--runtime", "torch", "--device", "cpu",
            "--style", "headlines", "--minutes", "0.6"]


@pytest.fixture(scope="module")
def written(tmp_path_factory, tiny_llm, tiny_kokoro):
    """daily --script-only on the demo feeds, once for this file: its result, and the folder it wrote to."""
    home = tmp_path_factory.mktemp("drafting")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PODCASTER_HOME", str(home / "data"))
        env.setenv("PODCASTER_CONFIG", str(home / "config" / "profile.toml"))
        env.setenv("PODCASTER_CACHE", os.environ.get("PODCASTER_TEST_CACHE", str(home / "cache")))
        result = runner.invoke(app, ["daily", "--script-only", "--feeds", str(DEMO_FEEDS), "--out",
                                     str(home / "out"), "--date", DAY, "-q", *models(tiny_llm, tiny_kokoro)])
    return result, home


@pytest.fixture
def drafted(tmp_path, written):
    """A copy of the script --script-only wrote (text and JSON) for this test to edit, and an output folder."""
    result, home = written
    assert result.exit_code == 0, result.output
    text = home / "data" / "scripts" / f"podcaster-{DAY}.script.txt"
    assert str(text) in result.stdout and "podcaster speak" in result.stdout
    assert not (home / "out").exists() or not any((home / "out").iterdir())    # nothing spoken or published
    assert not (home / "data" / "history.db").exists()                          # memory read, never written
    for path in (text, text.with_suffix(".json")):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / text.name, tmp_path / text.with_suffix(".json").name, tmp_path / "out"


def speak(path, out, tiny_kokoro, *more):
    return runner.invoke(app, ["speak", str(path), "--out", str(out), "--tts", str(tiny_kokoro), "--runtime", "torch",
                               "--device", "cpu", "-q", *more])


def test_script_only_writes_both_forms_and_publishes_nothing(drafted):
    text, script_json, out = drafted
    assert text.name == f"podcaster-{DAY}.script.txt" and script_json.is_file()
    lines = text.read_text().splitlines()
    assert "## Opening" in lines and "## Sign-off" in lines
    draft = read_draft(script_json)
    assert draft.style == "headlines" and draft.script.date == DAY
    said = [line for line in lines if line and not line.startswith("#")]
    assert len(said) == len(draft.script.turns)               # one line per turn
    assert read_draft(text).script.turns == draft.script.turns  # the text form reads back as written


def test_an_edited_script_is_spoken_as_edited(drafted, tiny_kokoro):
    text, _, out = drafted
    lines = text.read_text().splitlines()
    first_turn = next(i for i, line in enumerate(lines) if line.startswith(("Ava:", "Kai:")))
    lines[first_turn] = "Ava: Good morning, this line was written by the listener."
    text.write_text("\n".join(lines) + "\n")
    result = speak(text, out, tiny_kokoro)
    assert result.exit_code == 0, result.output
    transcript = (out / f"podcaster-{DAY}.txt").read_text()
    assert "Ava: Good morning, this line was written by the listener." in transcript
    assert (out / f"podcaster-{DAY}.mp3").stat().st_size > 10_000 and (out / "feed.xml").is_file()
    history = runner.invoke(app, ["history"])
    assert DAY in history.stdout                               # remembered as daily remembers
    again = speak(text, out, tiny_kokoro)                      # the day's episode exists
    assert again.exit_code == 2 and "--force" in again.stderr
    assert speak(text, out, tiny_kokoro, "--force").exit_code == 0


def test_a_story_left_out_of_the_text_is_left_out_of_the_episode(drafted):
    text, script_json, _ = drafted
    draft = read_draft(script_json)
    if len(draft.script.clusters) < 2:
        pytest.skip("the tiny model's script tells one story")
    kept, dropped = draft.script.clusters[0], draft.script.clusters[1]
    lines, skipping = [], False
    for line in text.read_text().splitlines():
        if line.startswith("## "):
            skipping = line.startswith("## Story 2:")
        if not skipping:
            lines.append(line)
    text.write_text("\n".join(lines) + "\n")
    edited = read_draft(text).script
    assert kept in edited.clusters and dropped not in edited.clusters
    assert not any(set(t.story_ids) & {s.id for s in dropped.stories} for t in edited.turns)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("## Opening\n", "## Opening\nBob: I am not on this show.\n", 1), "'Bob' is not a host"),
    (lambda t: t.replace("## Opening\n", "## Opening\nno name on this line.\n", 1), "start the line with a host's"),
    (lambda t: t.replace("## Opening\n", "Ava: Before any heading.\n## Opening\n", 1), "before any heading"),
    (lambda t: t.replace("## Opening\n", "## Story 99: nothing\nAva: Hi.\n## Opening\n", 1), "there is no story 99"),
    (lambda t: re.sub(r"(## Story 1:[^\n]*\n)(?:(?:Ava|Kai):[^\n]*\n)+", r"\1", t), "has no lines under it"),
    (lambda t: t.replace("## Opening\n", "## Opening\nAva:\n", 1), "says nothing"),
    (lambda t: t.replace("## Opening\n", "## Weather\n", 1), "unknown heading"),
    (lambda t: t.replace("## Opening\n", "## Opening\nAva: see https://example.org/x now.\n", 1), "markup"),
])
def test_a_bad_edit_is_one_line_naming_it_and_exit_12(drafted, tiny_kokoro, edit, message):
    text, _, out = drafted
    text.write_text(edit(text.read_text()))
    result = speak(text, out, tiny_kokoro)
    assert result.exit_code == 12, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr and len(result.stderr.splitlines()) == 1
    assert not out.exists() or not any(out.glob("*.mp3"))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["script"]["turns"][1].update(speaker="bob"), "not a host of this script"),
    (lambda d: d["script"]["turns"][1].update(story_ids=["nope"]), "cites story 'nope'"),
    (lambda d: d.update(format="something else"), "is not a podcaster script"),
    (lambda d: d.update(version=7), "version 7"),
    (lambda d: d["script"].pop("turns"), "malformed script"),
])
def test_a_bad_json_script_is_refused(drafted, tiny_kokoro, edit, message):
    _, script_json, out = drafted
    data = json.loads(script_json.read_text())
    edit(data)
    script_json.write_text(json.dumps(data))
    result = speak(script_json, out, tiny_kokoro)
    assert result.exit_code == 12 and message in result.stderr, result.output


def test_a_middle_turn_citing_no_story_is_refused(drafted, tiny_kokoro):
    _, script_json, out = drafted
    data = json.loads(script_json.read_text())
    middle = next(t for t in data["script"]["turns"] if t["story_ids"])
    middle["story_ids"] = []
    script_json.write_text(json.dumps(data))
    result = speak(script_json, out, tiny_kokoro)
    assert result.exit_code == 12 and "cites no story" in result.stderr, result.output


def test_text_without_its_json_and_not_json_at_all(tmp_path, tiny_kokoro):
    lonely = tmp_path / "podcaster-2026-11-26.script.txt"
    lonely.write_text("## Opening\nAva: Hi.\n")
    result = speak(lonely, tmp_path / "out", tiny_kokoro)
    assert result.exit_code == 12 and "not beside it" in result.stderr
    broken = tmp_path / "broken.script.json"
    broken.write_text("{ not json")
    result = speak(broken, tmp_path / "out", tiny_kokoro)
    assert result.exit_code == 12 and "line 1: not valid JSON" in result.stderr
    result = speak(tmp_path / "missing.json", tmp_path / "out", tiny_kokoro)
    assert result.exit_code == 12 and "cannot read script" in result.stderr


def test_demo_makes_the_demo_show_in_its_own_folder_and_memory(tmp_path, tiny_llm, tiny_kokoro):
    result = runner.invoke(app, ["daily", "--demo", "-q", *models(tiny_llm, tiny_kokoro)])
    assert result.exit_code == 0, result.output
    home = Path(os.environ["PODCASTER_HOME"])
    mp3 = home / "demo" / "episodes" / "podcaster-2026-11-25.mp3"      # the demo's news day
    assert mp3.is_file() and str(mp3) in result.stdout
    assert (home / "demo" / "history.db").is_file() and not (home / "history.db").exists()
    script = json.loads(mp3.with_suffix(".json").read_text())
    assert {s["source"] for s in script["stories"]} <= {"Harbour Gazette", "Science Desk", "Tech Weekly"}
    again = runner.invoke(app, ["daily", "--demo", "-q", *models(tiny_llm, tiny_kokoro)])
    assert again.exit_code == 0 and "exists" in again.stdout
    clash = runner.invoke(app, ["daily", "--demo", "--feeds", str(DEMO_FEEDS)])
    assert clash.exit_code == 2 and "--demo reads the demo's own feeds" in clash.stderr


def test_cli_conventions():
    short = runner.invoke(app, ["daily", "-h"])
    assert short.exit_code == 0 and "--script-only" in short.stdout
    assert "[auto|torch|onnx]" in short.stdout and "[auto|cpu|cuda]" in short.stdout
    top = runner.invoke(app, ["-h"])
    commands = top.stdout.split("Commands:")[1].splitlines()
    assert any(line.split()[:1] == ["speak"] for line in commands)
    assert not any(line.rstrip().endswith("...") for line in commands)      # summaries are whole
    assert "--install-completion" in top.stdout
    done = subprocess.run([Path(sys.executable).parent / "podcaster"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COMP_WORDS": "podcaster daily --device c", "COMP_CWORD": "3",
                               "_PODCASTER_COMPLETE": "complete_bash"})
    assert done.stdout.split() == ["cpu", "cuda"], done.stderr
