"""The grounding check: a turn may state only facts its sources state.

A fact is a number (digits, or number words above ten), a proper name (a capitalised word that does
not start a sentence), or a quotation of four words or more. Each must appear in the text of the
stories the turn cites; the opening and the sign-off may use any of the day's stories.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from text_to_num import alpha2digit

from ..types import Cluster
from ..words import content_stems

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCALE_WORDS = {"100", "1000", "1000000", "1000000000", "1000000000000"}   # "4.5 billion" -> "4.5 1000000000"
_WORD = re.compile(r"(?<!\w)[A-Za-z][\w'’-]*")     # a whole word: not the 'P' of '88P'
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s+|[\"“(—–-]\s*)$")
_SOURCE_SENTENCE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’)]))\s+(?=[\"“(]?[A-Z0-9])")
_QUOTE = re.compile(r"[\"“]([^\"”]+)[\"”]")
# capitalised for grammar, not because they name something the sources must hold
# (weekdays and months are facts: only today's, or the sources', may be said); models also capitalise
# the word after a closing quote or a comma ("..., Do you think")
COMMON = set("""I I'm I've I'll I'd OK Okay Mr Mrs Ms Dr Today Tomorrow A An The And But Or So Do Does Did Is Are
Was Were It It's Its This That These Those We We're You You're They He She His Her Our Their What How Why When Where
Who Which Yes No Well Now Here There Let's Thanks Thank Hello Hi Welcome Good Great Wow Oh Absolutely Sure Right
Indeed Also Then Plus Not Can Will""".split())


@dataclass(frozen=True)
class Grounds:
    """What a segment may state: its sources' text, and words any turn may use (hosts, show, date)."""
    text: str                   # the sources, casefolded, one space between words
    allowed: frozenset[str]     # single words and numbers, casefolded
    source: str = ""            # the sources as written
    # facts taken from the sources and checked (support.py): a close copy of one needs no judge
    notes: tuple[str, ...] = ()

    @cached_property
    def numbers(self) -> set[str]:
        """Every number the sources state, in digits or in words ("four minutes" holds 4)."""
        return _numbers(self.text, threshold=0)

    @cached_property
    def stems(self) -> frozenset[str]:
        """The content words the sources use, stemmed (words.py)."""
        return frozenset(content_stems(self.text))

    @cached_property
    def allowed_stems(self) -> frozenset[str]:
        """The words any turn may use, stemmed as claims are (the show's "Daily" is "daili" there)."""
        return frozenset(content_stems(" ".join(self.allowed))) | self.allowed

    @cached_property
    def passages(self) -> list[str]:
        """The sources' sentences, as written: what a claim is shown beside when it is judged."""
        return [p for part in self.source.split("\n") for p in _SOURCE_SENTENCE.split(part) if p.strip()]

    @cached_property
    def passage_stems(self) -> list[frozenset[str]]:
        return [frozenset(content_stems(p)) for p in self.passages]

    @cached_property
    def note_stems(self) -> list[frozenset[str]]:
        return [frozenset(content_stems(n)) for n in self.notes]

    @classmethod
    def of(cls, clusters: list[Cluster], allowed: set[str], notes: tuple[str, ...] = ()) -> Grounds:
        parts = [f"{s.source}\n{s.title}\n{s.body}" for c in clusters for s in c.stories]
        parts += [c.previously for c in clusters if c.previously]
        source = "\n".join(parts)
        return cls(_plain(source), frozenset(w for a in allowed for w in re.findall(r"[\w'-]+", _plain(a))), source,
                   tuple(notes))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[’‘]", "'", text).casefold().split())


def _numbers(text: str, threshold: int = 10) -> set[str]:
    """Every number in text, as a plain decimal string; number words above threshold count too."""
    found = set()
    for raw in _NUMBER.findall(alpha2digit(text, "en", threshold=threshold)):
        value = raw.replace(",", "").rstrip(".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value)
    return found


def _names(text: str) -> set[str]:
    names = set()
    for m in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m[0])
        if word[0].isupper() and word not in COMMON and not _SENTENCE_START.search(text[:m.start()]):
            names.add(word)
    return names


def unsupported(text: str, grounds: Grounds) -> list[str]:
    """The facts in text that its grounds do not hold (empty: the text is grounded)."""
    # a scale word after a number ("4.5 billion") is part of it; alone ("a hundred") it is a fact
    scaled = set(re.findall(r"\d\s+(" + "|".join(_SCALE_WORDS) + r")\b", alpha2digit(text, "en", threshold=10)))
    missing = sorted(_numbers(text) - grounds.numbers - scaled - grounds.allowed)
    for name in sorted(_names(text)):
        plain = _plain(name)
        if plain not in grounds.allowed and not re.search(rf"(?<!\w){re.escape(plain)}(?!\w)", grounds.text):
            missing.append(name)
    for quote in _QUOTE.findall(text):
        said = _plain(re.sub(r"[^\w\s']", " ", quote))
        if len(said.split()) >= 4 and said not in _plain(re.sub(r"[^\w\s']", " ", grounds.text)):
            missing.append(f'"{quote.strip()}"')
    return missing
