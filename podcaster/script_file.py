"""A script to review before it is spoken: written by `daily --script-only`, read by `podcaster speak`.

Two files per script. NAME.script.json holds everything (stories, sources, notes, turns) and is
what `speak` reads when it is given; NAME.script.txt holds only what the hosts say, one turn per
line under a heading per part of the show, for editing by hand. `speak NAME.script.txt` takes the
lines from the text and the stories from the JSON beside it. Either file is checked whole before
anything loads: a malformed file, a line naming no host of the script, a story no line tells or a
line citing no story is one ScriptFileError naming the line and what to write.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .config import data_dir
from .errors import GenerationError, ScriptFileError, UsageError
from .files import MB, read_capped
from .publish import write_json, write_text
from .types import Script, Turn
from .writer.script import unspeakable, validate_script

FORMAT = "podcaster script"
VERSION = 1
SCRIPT_MAX = 20 * MB            # a two-hour show with its stories' full text is well under 5 MB
TURN_MAX_CHARS = 2000           # one host's turn; a longer one is a paste gone wrong
SPEAKABLE = "end each sentence with . ! or ?, with no links, markup or brackets"
_HEADING = re.compile(r"##\s*(?:(?P<opening>opening)|(?P<closing>sign-off)|story\s+(?P<number>\d+)\b.*)\s*$",
                      re.IGNORECASE)
_TURN = re.compile(r"(?P<name>[^:#][^:]{0,40}):\s*(?P<text>.*)$")


@dataclass
class ScriptDraft:
    """A script as written or edited, with the style it was written for (speech follows it) and where
    its episode belongs: the output folder and memory of the show it was written for (the demo's
    are not yours)."""
    script: Script
    style: str
    out: Path | None = None
    memory: Path | None = None          # None: the data folder's history.db


def drafts_dir() -> Path:
    """Where --script-only writes, unless told otherwise: beside history, never in the served folder."""
    return data_dir() / "scripts"


def draft_paths(folder: Path, day: str) -> tuple[Path, Path]:
    """The JSON and text form of day's script in folder."""
    return folder / f"podcaster-{day}.script.json", folder / f"podcaster-{day}.script.txt"


def refuse_overwrite(folder: Path, day: str) -> None:
    """A UsageError when day's script is already in folder: it may hold the listener's edits."""
    text_path = draft_paths(folder, day)[1]
    if text_path.exists():
        raise UsageError(f"{text_path} exists (it may hold your edits); `podcaster speak {text_path}` speaks it, "
                         f"--force writes the script again (the old one kept as .bak)")


def write_draft(folder: Path, draft: ScriptDraft, overwrite: bool = False) -> tuple[Path, Path]:
    """Both forms of the script, each written whole (the JSON first: the text needs it). A script of
    that day already there may hold edits: it is replaced only with overwrite (a .bak copy kept)."""
    json_path, text_path = draft_paths(folder, draft.script.date)
    if not overwrite:
        refuse_overwrite(folder, draft.script.date)
    for path in (json_path, text_path):
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
    write_json(json_path, {"format": FORMAT, "version": VERSION, "style": draft.style,
                           "out": str(draft.out) if draft.out else None,
                           "memory": str(draft.memory) if draft.memory else None,
                           "script": draft.script.to_json()})
    write_text(text_path, script_text(draft, json_path.name))
    return json_path, text_path


def script_text(draft: ScriptDraft, json_name: str) -> str:
    """The hosts' lines under a heading per part of the show: the form people edit."""
    script = draft.script
    names = ", ".join(script.hosts.values())
    lines = [f"# {script.title} (style: {draft.style})",
             f"# Edit what the hosts say, then make the episode: podcaster speak {json_name[:-5]}.txt",
             f"# One turn per line, starting with the host's name ({names}) and a colon. Keep the ## headings;",
             "# delete a story's heading and its lines to leave it out. Lines starting with # are not spoken.",
             f"# The stories and their sources are in {json_name}, beside this file: keep the two together."]
    heading = None
    for turn in script.turns:
        here = _heading_of(script, turn)
        if here != heading:
            lines += ["", here]
            heading = here
        lines.append(f"{script.hosts[turn.speaker]}: {turn.text}")
    return "\n".join(lines) + "\n"


def _heading_of(script: Script, turn: Turn) -> str:
    for number, cluster in enumerate(script.clusters, 1):
        if set(turn.story_ids) & {s.id for s in cluster.stories}:
            return f"## Story {number}: {cluster.title}"
    return "## Opening" if turn.segment == 0 else "## Sign-off"


def read_draft(path: Path) -> ScriptDraft:
    """The script in a .json or .txt file written by --script-only (and perhaps edited), checked whole."""
    if path.suffix == ".txt":
        json_path = path.with_suffix(".json")
        if not json_path.is_file():
            raise ScriptFileError(f"{path}: its stories are in {json_path.name}, which is not beside it; keep the "
                                  f"two files --script-only wrote together")
        draft = _read_json(json_path)
        draft = replace(draft, script=_with_text(draft.script, _read_text(path), path))
    else:
        draft = _read_json(path)
        _check_citations(draft.script, path)
    try:
        validate_script(draft.script)
    except GenerationError as e:
        raise ScriptFileError(f"{path}: {str(e).replace('script turn', 'turn')}; {SPEAKABLE}") from None
    return draft


def _read_text(path: Path) -> str:
    try:
        return read_capped(path, SCRIPT_MAX, "script", ScriptFileError).decode("utf-8-sig")   # Notepad's BOM
    except UnicodeDecodeError:
        raise ScriptFileError(f"{path} is not UTF-8 text; save it as UTF-8") from None


def _read_json(path: Path) -> ScriptDraft:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise ScriptFileError(f"{path}, line {e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScriptFileError(f"{path} is not a podcaster script; `podcaster daily --script-only` writes one")
    if data.get("version") != VERSION:
        raise ScriptFileError(f"{path} is a version {data.get('version')!r} script; this podcaster reads "
                              f"version {VERSION}: write it again with `podcaster daily --script-only`")
    try:
        _check_shape(data)
        script = Script.from_json(data["script"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ScriptFileError(f"{path}: malformed script ({type(e).__name__}: {e}); write it again with "
                              f"`podcaster daily --script-only`") from None
    return ScriptDraft(script, data["style"], out=Path(data["out"]) if data.get("out") else None,
                       memory=Path(data["memory"]) if data.get("memory") else None)


def _check_shape(data: dict) -> None:
    """Every field Script.from_json and the episode's file names rely on, of its type (TypeError,
    ValueError, KeyError otherwise): a hand edit can break any of them."""
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise TypeError(what)

    script = data["script"]
    need(isinstance(data["style"], str) and all(isinstance(data.get(k), (str, type(None))) for k in ("out", "memory")),
         "style, out and memory are text")
    need(isinstance(script, dict) and isinstance(script["title"], str), "the script's title is text")
    need(isinstance(script["date"], str), "date is text, YYYY-MM-DD")
    date.fromisoformat(script["date"])      # ValueError: not a day (it names the episode's files)
    hosts = script["hosts"]
    need(isinstance(hosts, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in hosts.items()),
         "hosts maps each host's preset to the name it is spoken by")
    for story in script["stories"]:
        need(all(isinstance(story[k], str) for k in ("id", "title", "body", "link", "source")),
             "a story's id, title, body, link and source are text")
    for segment in script["segments"]:
        need(isinstance(segment["id"], str) and _strings(segment["story_ids"]), "a segment's story_ids are text")
    for turn in script["turns"]:
        need(isinstance(turn["speaker"], str) and isinstance(turn["text"], str) and _strings(turn["story_ids"])
             and isinstance(turn["segment"], int) and not isinstance(turn["segment"], bool),
             "a turn has a speaker, text, story_ids and a segment number")


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_citations(script: Script, path: Path) -> None:
    """Every turn of a story segment cites stories of the script; every speaker is one of its hosts."""
    known = {s.id for s in script.stories}
    closing = max((turn.segment for turn in script.turns), default=0)
    for i, turn in enumerate(script.turns, 1):
        if turn.speaker not in script.hosts:
            raise ScriptFileError(f"{path}: turn {i} is spoken by {turn.speaker!r}, not a host of this script "
                                  f"({', '.join(script.hosts)})")
        unknown = [sid for sid in turn.story_ids if sid not in known]
        if unknown:
            raise ScriptFileError(f"{path}: turn {i} cites story {unknown[0]!r}, which is not in the script's "
                                  f"stories; cite one of its segments' story_ids")
        if not turn.story_ids and turn.segment not in (0, closing):
            raise ScriptFileError(f"{path}: turn {i} ({turn.text[:40]!r}) is in a story's segment but cites no "
                                  f"story; give it its segment's story_ids")
        if len(turn.text) > TURN_MAX_CHARS:
            raise ScriptFileError(f"{path}: turn {i} is {len(turn.text)} characters; split it (at most "
                                  f"{TURN_MAX_CHARS} a turn)")


def _with_text(script: Script, text: str, path: Path) -> Script:
    """script with its turns (and the stories they tell) as the edited text has them."""
    speakers = {name.casefold(): key for key, name in script.hosts.items()}
    speakers.update({key.casefold(): key for key in script.hosts})
    closing = len(script.clusters) + 1
    turns: list[Turn] = []
    segment, story_ids, told = None, [], []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        heading = _HEADING.match(line)
        if heading:
            if segment == closing:
                raise ScriptFileError(f"{path}, line {number}: a heading after ## Sign-off; the sign-off ends "
                                      f"the show, so it comes last")
            if heading["opening"]:
                if segment is not None:
                    raise ScriptFileError(f"{path}, line {number}: ## Opening after the show has begun; it "
                                          f"comes first, once")
                segment, story_ids = 0, []
            elif heading["closing"]:
                segment, story_ids = closing, []
            else:
                story = int(heading["number"])
                if not 1 <= story <= len(script.clusters):
                    raise ScriptFileError(f"{path}, line {number}: there is no story {story}; the script's stories "
                                          f"are 1 to {len(script.clusters)} (see {path.with_suffix('.json').name})")
                cluster = script.clusters[story - 1]
                if cluster in told:
                    raise ScriptFileError(f"{path}, line {number}: a second ## Story {story} heading; put all of "
                                          f"a story's lines under its one heading")
                segment, story_ids = len(told) + 1, [s.id for s in cluster.stories]
                told.append(cluster)
            continue
        if line.startswith("##"):
            raise ScriptFileError(f"{path}, line {number}: unknown heading {line[:60]!r}; use ## Opening, "
                                  f"## Story N: title, or ## Sign-off")
        spoken = _TURN.match(line)
        if not spoken:
            raise ScriptFileError(f"{path}, line {number}: start the line with a host's name and a colon "
                                  f"({', '.join(f'{n}: ...' for n in script.hosts.values())})")
        speaker = speakers.get(spoken["name"].strip().casefold())
        if speaker is None:
            raise ScriptFileError(f"{path}, line {number}: {spoken['name'].strip()!r} is not a host of this script; "
                                  f"its hosts are {', '.join(script.hosts.values())}")
        if segment is None:
            raise ScriptFileError(f"{path}, line {number}: a line before any heading; put it under ## Opening, "
                                  f"## Story N: title, or ## Sign-off")
        said = " ".join(spoken["text"].split())
        if not said:
            raise ScriptFileError(f"{path}, line {number}: {script.hosts[speaker]} says nothing; delete the line "
                                  f"or write what they say")
        if len(said) > TURN_MAX_CHARS:
            raise ScriptFileError(f"{path}, line {number}: the turn is {len(said)} characters; split it "
                                  f"(at most {TURN_MAX_CHARS} a turn)")
        problem = unspeakable(said)
        if problem:
            raise ScriptFileError(f"{path}, line {number}: cannot be spoken as it is ({problem}); {SPEAKABLE}")
        turns.append(Turn(speaker, said, list(story_ids), segment))
    closing = len(told) + 1         # segments are numbered in the order the text tells them
    turns = [replace(t, segment=closing) if t.segment == len(script.clusters) + 1 else t for t in turns]
    silent = [c for c in told if not any(set(t.story_ids) & {s.id for s in c.stories} for t in turns)]
    if silent:
        raise ScriptFileError(f"{path}: the heading of story {script.clusters.index(silent[0]) + 1} "
                              f"({silent[0].title[:50]!r}) has no lines under it; write some or delete the heading")
    if not told:
        raise ScriptFileError(f"{path}: no story is told (no ## Story N heading with lines under it)")
    # the stories in the order the edited text tells them
    return replace(script, turns=turns, clusters=told, notes={c.id: script.notes.get(c.id, []) for c in told})
