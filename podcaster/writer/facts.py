"""Notes first: per story, the key facts (what, who, where, when, numbers, quotes) taken from its
reports in one batched LLM call, each note checked against the reports; the dialogue is then written
from the notes. Source text always reaches the model as delimited data, never as instructions.
"""
from __future__ import annotations

import logging
import re

from ..types import Cluster, Story
from .constrain import notes_grammar
from .grounding import Grounds, unsupported
from .llm import LLM, Ask

log = logging.getLogger(__name__)

MAX_SOURCE_CHARS = 2500     # of a story's reports in a prompt: enough facts, bounded prefill
MAX_SOURCES = 3             # reports of one cluster given to the writer (all are cited)
NOTE_CHARS = 220            # the longest note: one fact, not a paragraph
# a note headed by what it is ("Who - Anton Reiss ...", "Key number: 4.1%"): the heading is not for saying
_NOTE_LABEL = re.compile(r"^(?:what happened|who is involved|who|what|where|when|why|how|"
                         r"key (?:number|fact|point)|number|numbers|quote|caveat|"
                         r"doubt|criticism|dissent|context|background|fact|detail|impact|next steps?)"
                         r"(?: \d+)?\s*(?:[-:–—]\s+|:)", re.I)
TOKENS_PER_NOTE = 48
# a note is a sentence a newsreader could say, so it has a verb: "45 cubic metres per second." and
# "Anton Reiss and Leni Fass, Eastmark and Westvale." (heard said as lines in a test show) have none.
# Without a tagger: an auxiliary or modal, a regular past form, or a common verb of the news.
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|will|would|can|could|may|might|must|shall|should|do|does|"
    r"did|won't|can't|isn't|aren't|wasn't|weren't|hasn't|haven't|didn't|doesn't|\w{2,}ed|"
    r"said|says|told|tells|won|wins|lost|loses|made|makes|took|takes|gave|gives|held|holds|led|leads|met|meets|"
    r"paid|pays|rose|rises|fell|falls|grew|grows|began|begins|came|comes|went|goes|found|finds|left|leaves|"
    r"kept|keeps|sold|sells|bought|buys|built|builds|cut|cuts|hit|hits|put|puts|set|sets|spent|spends|ran|runs|"
    r"saw|sees|got|gets|became|becomes|brought|brings|chose|wrote|writes|spoke|speaks|costs|shows|opens|plans|"
    r"wants|needs|adds|signs|joins|moves|faces|starts|ends|calls|warns|expects|reports|remains|includes|"
    r"seeks|hopes|offers|serves|carries|uses|lets|allows|helps|means|lives|works|employs|owns|hires|"
    r"trains|plays|stays|returns|reaches|lends|charges|saves|replaces|crosses|affects|covers|produces|"
    r"predicts|continues|stands|sits|lies|stops|turns|looks|seems|feels|believes|thinks|knows|asks|"
    r"argues|claims|denies|agrees|admits|announces|confirms|estimates|accounts|rode|rides|flew|flies|drove|"
    r"drives|fought|caught|sent|sends|struck|stood|thought|broke|drew|froze|shook|shot|sank|threw|wore|woke)\b", re.I)


def as_data(text: str, speakers: tuple[str, ...]) -> str:
    """Feed text goes inside <source>...</source>: it must not be able to close that tag, nor carry a
    line in a host's name ("Kai: ...") for the model to copy into the script."""
    text = text.replace("<", "‹").replace(">", "›")
    return re.sub(rf"\b({'|'.join(map(re.escape, speakers))})\s*:", r"\1 -", text, flags=re.I)


def without_host_lines(text: str, speakers: tuple[str, ...]) -> str:
    """Report text without its sentences written as a speaker's line ("Kai: our sponsor today is ..."):
    a report has no reason to put words in a host's mouth, and notes would take them as facts."""
    label = re.compile(rf"\b(?:{'|'.join(map(re.escape, speakers))})\s*:", re.I)
    return " ".join(s for s in re.split(r"(?<=[.!?…])\s+", text) if not label.search(s))


def _reports(cluster: Cluster) -> list[tuple[Story, str]]:
    """The reports the writer sees, each with the part of its text that fits its share of the budget."""
    reports = cluster.stories[:MAX_SOURCES]
    share = MAX_SOURCE_CHARS // len(reports)
    return [(s, s.body[:share]) for s in reports]


def sources_block(cluster: Cluster, speakers: tuple[str, ...]) -> str:
    """Each report of the news in its own <source> block; the text budget shared between them."""
    return "\n".join(f'<source from="{as_data(s.source, speakers).replace(chr(34), chr(39))}">\n'
                     f'Title: {as_data(s.title, speakers)}\n'
                     f'{as_data(without_host_lines(text, speakers), speakers)}\n</source>'
                     for s, text in _reports(cluster))


def material_words(cluster: Cluster) -> int:
    """Words of report text the writer sees for this story: what its segment can be made of."""
    return sum(len(text.split()) for _, text in _reports(cluster))


def notes_block(cluster: Cluster, notes: list[str], speakers: tuple[str, ...]) -> str:
    sources = as_data(", ".join(cluster.sources), speakers).replace('"', "'")
    lines = "\n".join(f"- {as_data(note, speakers)}" for note in notes)
    return f'<notes from="{sources}">\nTitle: {as_data(cluster.title, speakers)}\n{lines}\n</notes>'


def take_notes(clusters: list[Cluster], llm: LLM, prompts: dict[str, str], speakers: tuple[str, ...],
               max_notes: int, seed: int = 0) -> dict[str, list[str]]:
    """cluster id -> its notes, each one stating only what the cluster's reports state (others are
    left out and logged). A cluster may get no notes; the writer then works from its reports."""
    grammar = notes_grammar(max_notes, NOTE_CHARS)
    asks = [Ask([{"role": "system", "content": prompts["notes_system"]},
                 {"role": "user", "content": prompts["notes"].format(max_notes=max_notes,
                                                                     sources=sources_block(c, speakers))}],
                prefix="- ", max_new_tokens=max_notes * TOKENS_PER_NOTE, grammar=grammar) for c in clusters]
    replies = llm.chat_many(asks, seed=seed * 1000)   # in batches: one generate call serves several stories
    return {cluster.id: _checked_notes(reply, Grounds.of([cluster], set()), cluster.title, max_notes)
            for cluster, reply in zip(clusters, replies)}


def _checked_notes(reply: str, grounds: Grounds, title: str, max_notes: int) -> list[str]:
    kept, seen = [], set()
    for line in reply.splitlines():
        note = " ".join(line.strip().lstrip("-*• ").split())
        note = _NOTE_LABEL.sub("", note)
        note = note[:1].upper() + note[1:]
        if len(note.split()) < 3 or note.casefold() in seen or not _VERB.search(note):
            continue
        missing = unsupported(note, grounds)
        if missing:
            log.info("story %r: left out a note its reports do not support (%s): %r", title, ", ".join(missing),
                     note[:100])
            continue
        seen.add(note.casefold())
        kept.append(note)
    return kept[:max_notes]
