"""Model output -> validated turns: parse speaker lines, repair what can be repaired, drop the rest.

Nothing that fails these checks is ever spoken: unknown speakers, empty turns, markup,
stage directions, links, cut-off sentences and repeated lines.
"""
from __future__ import annotations

import logging
import re
import unicodedata

from ..errors import GenerationError
from ..sanitize import URL as _URL
from ..types import Script, Turn

log = logging.getLogger(__name__)

_LABEL = re.compile(r"^[\s*_#>\-]*(?P<name>[^\W\d_][\w .'-]{0,30}?)"
                    r"[*_]*\s*(?:\([^)]*\))?\s*[*_]*:[*_]*\s*(?P<text>.*)$")
# stage directions: anything in [brackets], and *...* or (...) that starts with an action word
# or a lone adverb like (warmly); and a turn that opens with (...) or *...* opens with a direction
_ACTIONS = (r"laugh\w*|chuckl\w*|sigh\w*|paus\w*|smil\w*|nod\w*|grin\w*|clears|music|applause|sound|intro|outro"
            r"|reading\b")
_STAGE = re.compile(rf"\[[^\]]*\]|\*(?:{_ACTIONS})[^*]*\*|\((?:{_ACTIONS})[^)]*\)|\(\w+ly\)", re.I)
_OPENING_DIRECTION = re.compile(r"^\s*(?:\([^)]{0,60}\)|\*[^*]{0,60}\*)\s*")
_QUOTED = re.compile(r'^["“](.*)["”]$')
_QUOTE_MARK = re.compile(r'["“”]')
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_MARKUP = re.compile(r"[*_`#<>\[\]{}|\\]")
# a sentence ends in one stop, question or exclamation mark; dots that trail off ("which might be a..")
# are a sentence cut off
_END = re.compile(r"(?<![.…])[.!?][\"'”’)]*$")
SENTENCE_END = re.compile(r"(?<![.…])[.!?][\"'”’)]*(?=\s|$)")


def clean_text(text: str) -> str:
    """Strip what must not be spoken; keep the words."""
    text = _OPENING_DIRECTION.sub("", text.strip())
    text = _QUOTED.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _URL.sub("", text)
    text = _STAGE.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cc", "Cf", "Co", "Cs"))
    text = _MARKUP.sub("", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", " ".join(text.split()))
    return _balanced_quotes(text.strip(" -–—"))


def _balanced_quotes(text: str) -> str:
    """A quotation mark with no partner ('"That sounds very promising!', heard in a test show) is a
    slip, not a quotation: the lone mark goes (the first one when it opens the turn, else the last)."""
    marks = list(_QUOTE_MARK.finditer(text))
    if len(marks) % 2 == 0:
        return text
    lone = marks[0] if marks[0].start() == 0 else marks[-1]
    return " ".join((text[:lone.start()] + text[lone.end():]).split())


def complete_sentences(text: str) -> str:
    """Cut a turn back to its last finished sentence ('' if it has none)."""
    if _END.search(text):
        return text
    ends = list(SENTENCE_END.finditer(text))
    return text[: ends[-1].end()].strip() if ends else ""


def parse_turns(raw: str, names: dict[str, str], segment: int, story_ids: list[str]) -> list[Turn]:
    """Parse 'Name: text' lines. names maps casefolded spoken name -> host key.

    A line without a label continues the turn before it; a line with an unknown
    label (e.g. 'Host 3:' or 'Narrator:') is dropped with its text.
    """
    turns: list[Turn] = []
    current: Turn | None = None
    # a model sometimes runs several turns into one line: '... right?" Kai: "Yes ...' is two turns
    inline = re.compile(rf'(?<=[.!?…"”])\s+["“]?(?=(?:{"|".join(map(re.escape, names))})\s*:)', re.I)
    for line in (piece for text_line in raw.splitlines() for piece in inline.split(text_line)):
        if not line.strip():
            continue
        match = _LABEL.match(line)
        if match and match["name"].strip().casefold() in names:
            current = Turn(names[match["name"].strip().casefold()], match["text"], list(story_ids), segment)
            turns.append(current)
        elif match and len(match["name"].split()) <= 3 and match["name"][:1].isupper():
            log.info("dropped a line by unknown speaker %r", match["name"].strip())
            current = None
        elif current is not None:
            current.text += " " + line
    return repair_turns(turns)


def repair_turns(turns: list[Turn]) -> list[Turn]:
    """Clean each turn, cut unfinished sentences, drop empty and repeated turns, merge same-speaker runs."""
    repaired: list[Turn] = []
    seen: set[str] = set()
    for turn in turns:
        text = complete_sentences(clean_text(turn.text))
        key = re.sub(r"\W+", " ", text.casefold()).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        if repaired and repaired[-1].speaker == turn.speaker:
            repaired[-1].text += " " + text
        else:
            repaired.append(Turn(turn.speaker, text, turn.story_ids, turn.segment))
    return repaired


def unspeakable(text: str) -> str:
    """Why a turn's text cannot be spoken as it is ('' when it can)."""
    return ("empty text" if not text.strip() else
            "markup" if _MARKUP.search(text) or _URL.search(text) else
            "cut-off sentence" if not _END.search(text) else "")


def validate_script(script: Script) -> None:
    """The last gate before speech: every turn speakable, every story told."""
    if not script.turns:
        raise GenerationError("the script has no turns; try again or use a stronger --llm")
    for i, turn in enumerate(script.turns):
        problem = "unknown speaker" if turn.speaker not in script.hosts else unspeakable(turn.text)
        if problem:
            raise GenerationError(f"script turn {i + 1} is not speakable ({problem}): {turn.text[:60]!r}")
    told = {sid for t in script.turns for sid in t.story_ids}
    missing = [c.title for c in script.clusters if not told & {s.id for s in c.stories}]
    if missing:
        raise GenerationError(f"the script never tells the story {missing[0]!r}")
