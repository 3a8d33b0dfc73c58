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
from podcaster.errors import ScriptFileError
from podcaster.script_file import ScriptDraft, read_draft, write_draft
from podcaster.types import Cluster, Script, Story, Turn

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
    """podcaster speak; out None: where the script was written for."""
    return runner.invoke(app, ["speak", str(path), *(["--out", str(out)] if out else []), "--tts", str(tiny_kokoro),
                               "--runtime", "torch", "--device", "cpu", "-q", *more])


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


HAND_MADE = [("ava", "Good morning, two stories today.", 0), ("kai", "Ferries and tools.", 0),
             ("ava", "The solar ferry carried 1,240 people.", 1), ("kai", "The engines are quiet.", 1),
             ("kai", "The library lends 350 tools.", 2), ("ava", "Drills and ladders too.", 2),
             ("kai", "That is all for today.", 3), ("ava", "See you tomorrow.", 3)]


@pytest.fixture
def hand_made(tmp_path):
    """A two-story script written as --script-only writes one (no model): its text, JSON and an output folder."""
    stories = [Story("s1", "Solar ferry opens", "The solar ferry carried 1,240 people.", "https://x/1", "Gazette",
                     None),
               Story("s2", "Library lends tools", "The library lends 350 tools.", "https://x/2", "Gazette", None)]
    clusters = [Cluster("c1", (stories[0],)), Cluster("c2", (stories[1],))]
    turns = [Turn(who, text, [f"s{seg}"] if seg in (1, 2) else [], seg) for who, text, seg in HAND_MADE]
    script = Script("The Daily Feed, November 26", DAY, {"ava": "Ava", "kai": "Kai"}, clusters, turns)
    script_json, text = write_draft(tmp_path, ScriptDraft(script, "headlines"))
    return text, script_json, tmp_path / "out"


def test_the_text_form_reads_back_as_written_and_edits_are_taken(hand_made):
    text, script_json, _ = hand_made
    assert read_draft(text).script.turns == read_draft(script_json).script.turns
    edited = text.read_text(encoding="utf-8").replace("Drills and ladders too.", "Sewing machines too.")
    text.write_bytes(("\ufeff" + edited).replace("\n", "\r\n").encode())       # Notepad: a BOM and CRLF
    assert [t.text for t in read_draft(text).script.turns][5] == "Sewing machines too."


def test_a_story_left_out_of_the_text_is_left_out_and_stories_follow_the_text(hand_made):
    text, _, _ = hand_made
    lines, skipping = [], False
    for line in text.read_text().splitlines():
        if line.startswith("## "):
            skipping = line.startswith("## Story 1:")
        if not skipping:
            lines.append(line)
    text.write_text("\n".join(lines) + "\n")
    edited = read_draft(text).script
    assert [c.id for c in edited.clusters] == ["c2"]
    assert [t.segment for t in edited.turns] == [0, 0, 1, 1, 2, 2]         # numbered as told: chapters follow
    assert not any("s1" in t.story_ids for t in edited.turns)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("## Opening\n", "## Opening\nBob: I am not on this show.\n", 1), "'Bob' is not a host"),
    (lambda t: t.replace("## Opening\n", "## Opening\nno name on this line.\n", 1), "start the line with a host's"),
    (lambda t: t.replace("## Opening\n", "Ava: Before any heading.\n## Opening\n", 1), "before any heading"),
    (lambda t: t.replace("## Opening\n", "## Story 99: nothing\nAva: Hi.\n## Opening\n", 1), "there is no story 99"),
    (lambda t: re.sub(r"(## Story 1:[^\n]*\n)(?:(?:Ava|Kai):[^\n]*\n)+", r"\1", t), "has no lines under it"),
    (lambda t: t.replace("## Opening\n", "## Opening\nAva:\n", 1), "says nothing"),
    (lambda t: t.replace("## Opening\n", "## Weather\n", 1), "unknown heading"),
    (lambda t: t.replace("## Opening\n", "## Opening\nAva: see https://example.org/x now.\n", 1), "(markup)"),
    (lambda t: t.replace("Ferries and tools.", "Ferries and tools"), "line 9: cannot be spoken as it is (cut-off"),
    (lambda t: t.replace("## Story 2:", "## Story 1: again\nAva: More.\n## Story 2:"), "a second ## Story 1"),
    (lambda t: t + "## Opening\nAva: Hello.\n", "heading after ## Sign-off"),
    (lambda t: t.replace("## Story 1:", "## Opening\nAva: Hi.\n## Story 1:"), "## Opening after the show"),
])
def test_a_bad_edit_is_one_line_naming_it(hand_made, edit, message):
    text, _, _ = hand_made
    text.write_text(edit(text.read_text()))
    with pytest.raises(ScriptFileError, match=re.escape(message)):
        read_draft(text)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["script"]["turns"][1].update(speaker="bob"), "not a host of this script"),
    (lambda d: d["script"]["turns"][2].update(story_ids=["nope"]), "cites story 'nope'"),
    (lambda d: d["script"]["turns"][2].update(story_ids=[]), "cites no story"),
    (lambda d: d.update(format="something else"), "is not a podcaster script"),
    (lambda d: d.update(version=7), "version 7"),
    (lambda d: d["script"].pop("turns"), "malformed script"),
    (lambda d: d["script"].update(date=20261126), "date is text"),
    (lambda d: d["script"].update(date="2026-99-99"), "malformed script"),
    (lambda d: d["script"].update(hosts=["ava", "kai"]), "hosts maps"),
    (lambda d: d["script"]["turns"][0].update(segment="1"), "segment number"),
])
def test_a_bad_json_script_is_refused(hand_made, edit, message):
    _, script_json, _ = hand_made
    data = json.loads(script_json.read_text())
    edit(data)
    script_json.write_text(json.dumps(data))
    with pytest.raises(ScriptFileError, match=re.escape(message)):
        read_draft(script_json)


def test_a_script_written_before_is_not_written_over_without_force(hand_made):
    home = Path(os.environ["PODCASTER_HOME"])
    (home / "scripts").mkdir(parents=True)
    edited = home / "scripts" / f"podcaster-{DAY}.script.txt"
    edited.write_text("## Opening\nAva: My own words.\n")
    result = runner.invoke(app, ["daily", "--script-only", "--feeds", str(DEMO_FEEDS), "--date", DAY])
    assert result.exit_code == 2 and "--force writes the script again" in result.stderr     # before any model
    assert edited.read_text() == "## Opening\nAva: My own words.\n"
    text, script_json, _ = hand_made
    draft = read_draft(script_json)
    write_draft(text.parent, draft, overwrite=True)                 # --force: the old one kept as .bak
    assert (text.parent / (text.name + ".bak")).is_file()


def test_speak_says_a_bad_script_in_one_line_with_exit_12_before_loading_anything(hand_made, tmp_path):
    text, _, out = hand_made
    text.write_text(text.read_text().replace("## Opening\n", "## Opening\nBob: Hi.\n", 1))
    result = speak(text, out, tmp_path / "no-such-model")
    assert result.exit_code == 12 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert not out.exists()


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
    # the demo's script, reviewed and spoken, is the demo's episode: never in your show's folder or memory
    drafted = runner.invoke(app, ["daily", "--demo", "--script-only", "-q", *models(tiny_llm, tiny_kokoro)])
    assert drafted.exit_code == 0, drafted.output
    text = home / "scripts" / "podcaster-2026-11-25.script.txt"
    before = mp3.stat().st_mtime_ns
    spoken = speak(text, None, tiny_kokoro, "--force")
    assert spoken.exit_code == 0, spoken.output
    assert mp3.stat().st_mtime_ns != before and str(mp3) in spoken.stdout
    assert not (home / "episodes").exists() and not (home / "history.db").exists()


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
