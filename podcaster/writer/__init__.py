"""Script writing: story clusters -> a two-host Script.

First the notes: per story, its key facts from its reports (facts.py, one batched call). Then the
segments, all in one batched call: an opening, one per cluster (the same news from one or more
feeds), a sign-off, each written from the story's notes under the script grammar (constrain.py),
every fact checked against the reports (grounding.py), then repaired and trimmed to its word budget
(script.py); the segments that yield nothing usable are asked for again, together, with another seed.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date

from ..errors import GenerationError
from ..types import Cluster, Host, Script, Style, Turn
from .constrain import script_grammar
from .facts import as_data, material_words, notes_block, sources_block, take_notes
from .grounding import Grounds, grounded_turns
from .llm import LLM, Ask
from .script import SENTENCE_END, parse_turns, repair_turns, validate_script

log = logging.getLogger(__name__)

SHOW_NAME = "The Daily Feed"
SHOW_DESCRIPTION = "Your news feeds, talked through by two hosts every morning. Made by podcaster on your own hardware."
ATTEMPTS = 2    # each try of a story segment costs minutes on a CPU
# A segment keeps whole turns up to this share of its words: models write 20-30 % over, and cutting
# at whole turns lands under the limit (at 1.05 the demo came out 11 % short)
OVER_BUDGET = 1.15
MAX_TURN_CHARS = 700    # about 110 words: the longest turn a host may take


# A story's segment says at most this many words per word of its reports the writer sees: two hosts
# retell, react and explain, but past that a small model pads with claims the reports never made
TALK_PER_SOURCE_WORD = 2.5
# ... and at most this many times the style's words per story: past that a morning show turns into
# a deep dive, and a small model stops early anyway (10 minutes of 3 stories came out 25 % short)
STYLE_STRETCH = 2
MIN_STORY_WORDS = 40


def story_room(cluster: Cluster, style: Style) -> int:
    """The most words a segment on this story can say: what its reports hold, in this style."""
    return max(MIN_STORY_WORDS, min(round(TALK_PER_SOURCE_WORD * material_words(cluster)),
                                    STYLE_STRETCH * style.words_per_story))


@dataclass(frozen=True)
class WordBudget:
    opening: int
    per_story: tuple[int, ...]
    closing: int

    @classmethod
    def split(cls, total_words: int, rooms: list[int]) -> WordBudget:
        """The opening and sign-off take a small share; the stories share the rest evenly, except that
        none gets more than its room (story_room): what a thin story cannot carry goes to the others."""
        frame = max(25, min(80, round(total_words * 0.07)))
        left, per_story = total_words - 2 * frame, [0] * len(rooms)
        for k, i in enumerate(sorted(range(len(rooms)), key=rooms.__getitem__)):
            per_story[i] = min(rooms[i], max(MIN_STORY_WORDS, left // (len(rooms) - k)))
            left -= per_story[i]
        return cls(frame, tuple(per_story), frame)

    @property
    def total(self) -> int:
        return self.opening + sum(self.per_story) + self.closing


def _spoken_date(day: Date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


def write_script(clusters: list[Cluster], hosts: tuple[Host, Host], style: Style, llm: LLM, minutes: float,
                 day: Date, prompts: dict[str, str], seed: int = 0,
                 on_segment: Callable[[int, int], None] | None = None,
                 words_per_minute: float | None = None) -> Script:
    """words_per_minute: the hosts' measured rate, pauses included (speech.rate); else the style's."""
    a, b = hosts
    names = {a.name.casefold(): a.key, b.name.casefold(): b.key}
    # the hosts' names and the labels models use for speakers: never a line label inside source text
    speakers = (a.name, b.name, "host", "narrator", "speaker", "person", "assistant", "system", "user")
    asked = round(minutes * (words_per_minute or style.words_per_minute))
    budget = WordBudget.split(asked, [story_room(c, style) for c in clusters])
    if budget.total < asked * 0.95:
        log.warning("length: today's %d stories hold enough for about %d of the %d words asked; the episode "
                    "will run short (more feeds or a longer --since give it more news)", len(clusters),
                    budget.total, asked)
    system = prompts["system"].format(show=SHOW_NAME, style=style.description.lower(), writing=style.writing,
                                      a_name=a.name, a_persona=a.persona, b_name=b.name, b_persona=b.persona)
    titles = "\n".join(f"{i}. {as_data(c.title, speakers)}" for i, c in enumerate(clusters, 1))
    # words any turn may say without a source: the hosts, the show, today's date, how many stories
    show_words = {a.name, b.name, SHOW_NAME, _spoken_date(day), str(day.year), str(len(clusters))}
    everything = Grounds.of(clusters, show_words)
    if on_segment:
        on_segment(0, len(clusters) + 3)
    # notes first (facts.py): each segment is written from its story's checked notes, or its reports
    notes = take_notes(clusters, llm, prompts, speakers, max_notes=max(4, min(16, max(budget.per_story) // 30)), seed=seed)
    if on_segment:
        on_segment(1, len(clusters) + 3)
    segments: list[Segment] = []

    def add(kind: str, first: Host, story_ids: list[str], words: int, grounds: Grounds, **values) -> None:
        request = prompts[kind].format(words=words, a_name=a.name, b_name=b.name, **values)
        segments.append(Segment(kind, len(segments), (first, b if first is a else a), story_ids, words, grounds,
                                [{"role": "system", "content": system}, {"role": "user", "content": request}],
                                min_turns=max(2 if kind == "segment" else 1, values.get("min_turns", 1))))

    add("opening", a, [], budget.opening, everything, date_spoken=_spoken_date(day), titles=titles)
    for i, (cluster, words) in enumerate(zip(clusters, budget.per_story), 1):
        first = a if i % 2 else b
        earlier = Date.fromisoformat(cluster.update_of) if cluster.update_of else None
        update = prompts["update"].format(date_spoken=_spoken_date(earlier),
                                          previously=as_data(cluster.previously, speakers)) if earlier else ""
        grounds = Grounds.of([cluster], show_words | ({_spoken_date(earlier), str(earlier.year)} if earlier else set()))
        add("segment", first, [s.id for s in cluster.stories], words, grounds,
            number=i, count=len(clusters), first_name=first.name, update=update,
            material=notes_block(cluster, notes[cluster.id], speakers) if notes[cluster.id] else
            sources_block(cluster, speakers),
            min_turns=max(2, words // 45))
    add("closing", b, [], budget.closing, everything, titles=titles)
    written = _write_segments(llm, segments, names, seed,
                              on_done=lambda done: on_segment and on_segment(1 + done, len(segments) + 1))
    turns: list[Turn] = []
    told: list[Cluster] = []
    for segment, segment_turns in zip(segments, written):
        if not segment_turns:
            log.warning("skipped %s %s: the LLM gave no usable lines in %d tries", segment.kind, segment.index, ATTEMPTS)
            continue
        turns += segment_turns
        told += [c for c in clusters if segment.story_ids and c.stories[0].id == segment.story_ids[0]]
    if not told:
        raise GenerationError(f"the LLM ({llm.name}) wrote no usable segment for any story; try another --llm")
    script = Script(title=f"{SHOW_NAME}, {_spoken_date(day)} {day.year}", date=day.isoformat(),
                    hosts={a.key: a.name, b.key: b.name}, clusters=told, turns=turns)
    validate_script(script)
    return script


@dataclass(frozen=True)
class Segment:
    """One part of the show to write: the opening, a story, or the sign-off."""
    kind: str
    index: int
    order: tuple[Host, Host]        # who speaks first, who second
    story_ids: list[str]
    words: int
    grounds: Grounds
    messages: list[dict]
    min_turns: int                  # the grammar's: a story needs both hosts and the turns its prompt asks for

    @property
    def hosts_wanted(self) -> int:
        return 2 if self.kind == "segment" else 1

    def ask(self) -> Ask:
        first, second = self.order
        # the form of the reply: at least min_turns (a small model otherwise ends a story early), turns
        # of 12 words on average at most, none longer than the whole budget
        grammar = script_grammar(first.name, second.name, max_turns=max(3, math.ceil(self.words * OVER_BUDGET / 12)),
                                 max_chars=min(MAX_TURN_CHARS, round(self.words * OVER_BUDGET * 7)),
                                 min_turns=self.min_turns)
        return Ask(self.messages, prefix=f"{first.name}:", max_new_tokens=int(self.words * 1.7) + 40, grammar=grammar)


def _write_segments(llm: LLM, segments: list[Segment], names: dict[str, str], seed: int,
                    on_done: Callable[[int], None]) -> list[list[Turn]]:
    """Every segment's turns, written in one batch (llm.chat_many). A segment is asked again, with the
    others that failed, until its reply has the hosts it wants and at least a third of its words,
    counting only turns whose facts are in the sources (the others are left out and logged);
    otherwise it keeps its best try."""
    def score(turns: list[Turn]) -> tuple[int, int]:
        return len({t.speaker for t in turns}), sum(len(t.text.split()) for t in turns)

    best: list[list[Turn]] = [[] for _ in segments]
    todo = list(range(len(segments)))
    for attempt in range(ATTEMPTS):
        raws = llm.chat_many([segments[i].ask() for i in todo], seed=seed * 1000 + 100 * (attempt + 1))
        retry = []
        for i, raw in zip(todo, raws):
            segment = segments[i]
            turns, ungrounded = grounded_turns(parse_turns(raw, names, segment.index, segment.story_ids), segment.grounds)
            for turn, facts in ungrounded:
                log.info("segment %d try %d: left out a line stating what its sources do not (%s): %r",
                         segment.index, attempt + 1, ", ".join(facts), turn.text[:100])
            # repaired again: the neighbours of a line left out may now be one speaker's two turns
            turns = fit_words(repair_turns(turns), segment.words * OVER_BUDGET, segment.index)
            speakers, got = score(turns)
            if turns and (speakers, got) > score(best[i]):
                best[i] = turns
            if speakers < segment.hosts_wanted or got < segment.words / 3:
                log.info("segment %d try %d: %d host(s), %d usable words of %d asked", segment.index, attempt + 1,
                         speakers, got, segment.words)
                retry.append(i)
        todo = retry
        on_done(len(segments) - len(todo) if attempt + 1 < ATTEMPTS else len(segments))
        if not todo:
            break
    return best


def fit_words(turns: list[Turn], limit: float, segment: int = 0) -> list[Turn]:
    """Turns up to limit words (the first is kept whatever its length), so the episode keeps to
    --minutes: the turn that crosses the limit keeps the sentences that fit; a segment cut short
    does not end on a question nobody answers."""
    kept, total = [], 0
    for turn in turns:
        count = len(turn.text.split())
        if kept and total + count > limit:
            head = _sentences_within(turn.text, limit - total)
            if head:
                kept.append(Turn(turn.speaker, head, turn.story_ids, turn.segment))
            break
        kept.append(turn)
        total += count
    cut = kept != turns
    while cut and len(kept) > 1 and kept[-1].text.rstrip().endswith("?"):
        kept.pop()
    if cut:
        log.info("segment %d: kept %d of %d turns, %d words for a budget of %d", segment, len(kept), len(turns),
                 sum(len(t.text.split()) for t in kept), limit)
    return kept


def _sentences_within(text: str, words: float) -> str:
    """The longest run of whole sentences from the start of text that has at most words words."""
    head = ""
    for end in SENTENCE_END.finditer(text):
        if len(text[:end.end()].split()) > words:
            break
        head = text[:end.end()]
    return head.strip()
