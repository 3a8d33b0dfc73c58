"""Script writing: story clusters -> a two-host Script.

First the notes: per story, its key facts from its reports, most important first (facts.py, one
batched call). Then the show as a running order, all in one batched call: an opening by both hosts
that names every story, one segment per cluster (the same news from one or more feeds) that hands
over from the story before it, and a sign-off by both hosts; each written from the story's notes
under the script grammar (constrain.py). Every sentence is then checked (support.py): what it
states must be in the reports, by their words and by the LLM's judgement, and it must be a
presenter's line in the right place. What is left is repaired and trimmed to its word budget
(script.py); the segments that come out short, with one host, or (the opening) without every story
are asked for again, together, with another seed.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date as Date

from ..errors import GenerationError
from ..types import Cluster, Host, Script, Show, Style, Turn
from ..words import content_stems
from .constrain import script_grammar
from .facts import as_data, material_words, notes_block, sources_block, take_notes, without_host_lines
from .grounding import Grounds
from .llm import LLM, Ask
from .screen import screen_clusters
from .script import SENTENCE_END, parse_turns, repair_turns, validate_script
from .support import Draft, ShowRules, check_drafts, log_dropped, says_goodbye, says_hello, sentences, thanks_listeners

log = logging.getLogger(__name__)

TOP_NOTES = 3   # a story's first notes (the most important, facts.py): said in its segment whatever the LLM wrote
NOTE_TOLD = 0.6 # a note is told when this share of its content words is said
LEAD_WORDS = 60 # a report sentence longer than this is not read out in place of a segment
FILL_SHARE = 0.8    # a story's segment shorter than this share of its words gets more of its notes
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
# the opening names every story in a short line: a greeting, then about a dozen words a story
OPENING_BASE, OPENING_PER_STORY, OPENING_MOST = 20, 12, 140


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
        opening = max(frame, min(OPENING_MOST, OPENING_BASE + OPENING_PER_STORY * len(rooms)))
        left, per_story = total_words - opening - frame, [0] * len(rooms)
        for k, i in enumerate(sorted(range(len(rooms)), key=rooms.__getitem__)):
            per_story[i] = min(rooms[i], max(MIN_STORY_WORDS, left // (len(rooms) - k)))
            left -= per_story[i]
        return cls(opening, tuple(per_story), frame)

    @property
    def total(self) -> int:
        return self.opening + sum(self.per_story) + self.closing


def _spoken_date(day: Date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


def system_prompt(prompts: dict[str, str], show_name: str, style: Style, hosts: tuple[Host, Host]) -> str:
    """What every segment is written under: the show by its name, its style, its two hosts."""
    a, b = hosts
    when = prompts["time_of_day"].format(time=style.time_of_day) if style.time_of_day else ""
    return prompts["system"].format(show=show_name, style=style.description.lower(), writing=style.writing,
                                    a_name=a.name, a_persona=a.persona, b_name=b.name, b_persona=b.persona,
                                    time_of_day=when)


def write_script(clusters: list[Cluster], hosts: tuple[Host, Host], style: Style, llm: LLM, minutes: float,
                 day: Date, prompts: dict[str, str], seed: int = 0,
                 on_segment: Callable[[int, int], None] | None = None,
                 words_per_minute: float | None = None, show_name: str = Show().name) -> Script:
    """words_per_minute: the hosts' measured rate, pauses included (speech.rate); else the style's.
    show_name: the listener's own (the profile's [show] name), said in the opening and the title."""
    show_name = " ".join(show_name.split())     # one line of the prompt, whatever it was given
    a, b = hosts
    names = {a.name.casefold(): a.key, b.name.casefold(): b.key}
    # the hosts' names and the labels models use for speakers: never a line label inside source text
    speakers = (a.name, b.name, "host", "narrator", "speaker", "person", "assistant", "system", "user")
    # first, whatever in the reports speaks to the show rather than about the news is left out (screen.py)
    clusters = screen_clusters(clusters, llm, prompts)
    if not clusters:
        raise GenerationError("every one of today's stories was a planted message to the show (prompt injection); "
                              "nothing is left to tell")
    asked = round(minutes * (words_per_minute or style.words_per_minute))
    budget = WordBudget.split(asked, [story_room(c, style) for c in clusters])
    if budget.total < asked * 0.95:
        log.warning("length: today's %d stories hold enough for about %d of the %d words asked; the episode "
                    "will run short (more feeds or a longer --since give it more news)", len(clusters),
                    budget.total, asked)
    system = system_prompt(prompts, show_name, style, hosts)
    titles = "\n".join(f"{i}. {as_data(c.title, speakers)}" for i, c in enumerate(clusters, 1))
    # words any turn may say without a source: the hosts, the show, today's date, how many stories
    show_words = {a.name, b.name, show_name, _spoken_date(day), str(day.year), str(len(clusters))}
    rules = ShowRules((a.name, b.name), show_name, style.time_of_day, host_keys=(a.key, b.key))
    if on_segment:
        on_segment(0, 3)
    # notes first (facts.py), each checked like a host's sentence: each segment is written from its
    # story's notes, or its reports
    notes = take_notes(clusters, llm, prompts, speakers, max_notes=max(5, min(16, max(budget.per_story) // 20)),
                       seed=seed)
    notes = _checked_notes(clusters, notes, rules, llm, prompts, speakers)
    everything = Grounds.of(clusters, show_words, tuple(n for c in clusters for n in notes[c.id]))
    if on_segment:
        on_segment(1, 3)
    segments: list[Segment] = []

    def add(kind: str, label: str, first: Host, story_ids: list[str], words: int, grounds: Grounds,
            min_turns: int = 2, preview: tuple[str, ...] = (), **values) -> None:
        request = prompts[kind].format(words=words, a_name=a.name, b_name=b.name, min_turns=min_turns, **values)
        segments.append(Segment(kind, label, len(segments), (first, b if first is a else a), story_ids, words, grounds,
                                [{"role": "system", "content": system}, {"role": "user", "content": request}],
                                min_turns=min_turns, preview=preview))

    add("opening", "opening", a, [], budget.opening, everything, preview=tuple(c.title for c in clusters),
        date_spoken=_spoken_date(day), titles=titles)
    for i, (cluster, words) in enumerate(zip(clusters, budget.per_story), 1):
        first = a if i % 2 else b
        earlier = Date.fromisoformat(cluster.update_of) if cluster.update_of else None
        update = prompts["update"].format(date_spoken=_spoken_date(earlier),
                                          previously=as_data(cluster.previously, speakers)) if earlier else ""
        handover = prompts["handover_next"].format(previous=as_data(clusters[i - 2].title, speakers)) if i > 1 else \
            prompts["handover_first"]
        grounds = Grounds.of([cluster], show_words | ({_spoken_date(earlier), str(earlier.year)} if earlier else set()),
                             tuple(notes[cluster.id]))
        add("segment", f"story {i} ({cluster.title[:40]})", first, [s.id for s in cluster.stories], words, grounds,
            number=i, count=len(clusters), first_name=first.name, update=update, handover=handover,
            material=notes_block(cluster, notes[cluster.id], speakers) if notes[cluster.id] else
            sources_block(cluster, speakers),
            min_turns=max(2, words // 45))
    add("closing", "sign-off", b, [], budget.closing, everything, titles=titles)
    written = _write_segments(llm, segments, names, seed, rules, prompts, speakers)
    if on_segment:
        on_segment(2, 3)
    stories = iter(clusters)
    for i, segment in enumerate(segments):
        # the LLM's lines to the segment's length first: the lines the show adds (below) are never cut
        turns = fit_words(written[i], segment.words * OVER_BUDGET, segment.index)
        if segment.kind == "opening":
            turns = _welcomed(_name_every_story(turns, clusters, segment, prompts, show_name), segment, prompts,
                              show_name)
        elif segment.kind == "segment":
            cluster = next(stories)
            turns = _tell_the_top_notes(_without_leading_questions(turns), cluster, notes[cluster.id], segment,
                                        speakers)
        else:
            turns = _signed_off_by_both(turns, segment, prompts)
        written[i] = _both_hosts(_without_open_question(turns), segment)
    if on_segment:
        on_segment(3, 3)
    turns: list[Turn] = []
    told: list[Cluster] = []
    for segment, segment_turns in zip(segments, written):
        if not segment_turns:
            log.warning("skipped the %s: nothing in it passed the checks, and the story has no checked notes",
                        segment.label)
            continue
        turns += segment_turns
        told += [c for c in clusters if segment.story_ids and c.stories[0].id == segment.story_ids[0]]
    if not told:
        raise GenerationError(f"the LLM ({llm.name}) wrote no usable segment for any story; try another --llm")
    script = Script(title=f"{show_name}, {_spoken_date(day)} {day.year}", date=day.isoformat(),
                    hosts={a.key: a.name, b.key: b.name}, clusters=told, turns=turns,
                    notes={c.id: notes[c.id] for c in told})
    validate_script(script)
    return script


@dataclass(frozen=True)
class Segment:
    """One part of the show to write: the opening, a story, or the sign-off."""
    kind: str                       # "opening", "segment" or "closing"
    label: str                      # what the log calls it
    index: int
    order: tuple[Host, Host]        # who speaks first, who second
    story_ids: list[str]
    words: int
    grounds: Grounds
    messages: list[dict]
    min_turns: int                  # the grammar's: both hosts, and the turns its prompt asks for
    preview: tuple[str, ...] = ()   # the stories it must name (the opening's running order)

    def ask(self) -> Ask:
        first, second = self.order
        # the form of the reply: at least min_turns (a small model otherwise ends a story early), turns
        # of 12 words on average at most, none longer than the whole budget
        grammar = script_grammar(first.name, second.name, max_turns=max(3, math.ceil(self.words * OVER_BUDGET / 12)),
                                 max_chars=min(MAX_TURN_CHARS, round(self.words * OVER_BUDGET * 7)),
                                 min_turns=self.min_turns)
        return Ask(self.messages, prefix=f"{first.name}:", max_new_tokens=int(self.words * 1.7) + 40, grammar=grammar)


def _checked_notes(clusters: list[Cluster], notes: dict[str, list[str]], rules: ShowRules, llm: LLM,
                   prompts: dict[str, str], speakers: tuple[str, ...]) -> dict[str, list[str]]:
    """Each story's notes that pass the same check as a host's sentence (support.py), in their order."""
    drafts = [Draft("notes", [Turn("", note, [], 0) for note in notes[c.id]], Grounds.of([c], set())) for c in clusters]
    checked = {}
    for cluster, draft, (kept, dropped) in zip(clusters, drafts, check_drafts(drafts, rules, llm, prompts, speakers)):
        log_dropped(f"notes on {cluster.title[:40]!r}", dropped, len(draft.turns))
        checked[cluster.id] = [turn.text for turn in kept]
    return checked


def _write_segments(llm: LLM, segments: list[Segment], names: dict[str, str], seed: int, rules: ShowRules,
                    prompts: dict[str, str], speakers: tuple[str, ...]) -> list[list[Turn]]:
    """Every segment's turns, written in one batch (llm.chat_many), with only the sentences that pass
    the checks (support.py; what fails is left out and logged per segment)."""
    raws = llm.chat_many([segment.ask() for segment in segments], seed=seed * 1000 + 100)
    drafts = [Draft(segment.kind, parse_turns(raw, names, segment.index, segment.story_ids), segment.grounds)
              for segment, raw in zip(segments, raws)]
    written = []
    for segment, draft, (turns, dropped) in zip(segments, drafts, check_drafts(drafts, rules, llm, prompts, speakers)):
        log_dropped(segment.label, dropped, sum(len(sentences(t.text)) for t in draft.turns))
        # repaired again: the neighbours of a line left out may now be one speaker's two turns
        written.append(repair_turns(turns))
    return written


def _said(turns: list[Turn]) -> set[str]:
    return set(content_stems(" ".join(t.text for t in turns)))


def _unnamed(turns: list[Turn], titles: tuple[str, ...]) -> list[str]:
    """The titles a preview does not name: fewer than two of a title's content words (one, for a
    title of one) appear in it."""
    said = _said(turns)
    return [title for title in titles if len(said & set(content_stems(title))) < min(2, len(set(content_stems(title))))]


def _told(note: str, said: set[str]) -> bool:
    """Whether a note is told: most of its content words are said."""
    words = set(content_stems(note))
    return len(words & said) >= NOTE_TOLD * len(words)


def _with_lines(turns: list[Turn], lines: list[str], segment: Segment, at: int) -> list[Turn]:
    """turns with lines added before turn at, spoken in turn by the host who did not speak just before."""
    first, second = segment.order
    before = turns[at - 1].speaker if 0 < at <= len(turns) else second.key
    added = []
    for line in lines:
        speaker = first.key if before == second.key else second.key
        added.append(Turn(speaker, line, list(segment.story_ids), segment.index))
        before = speaker
    return repair_turns(turns[:at] + added + turns[at:])


def _name_every_story(turns: list[Turn], clusters: list[Cluster], opening: Segment,
                      prompts: dict[str, str], show_name: str) -> list[Turn]:
    """The opening with a line naming each story it did not, by the other host: the listener hears the
    whole running order before the first story (the titles are the reports' own words); and if one host
    is left, the other hands over to the first story."""
    missing = [title.rstrip(" .!?:;") for title in _unnamed(turns, opening.preview)]
    lines = []
    if missing:
        log.info("opening: %d stories not named by the LLM; named by their titles", len(missing))
        titles = missing[0] if len(missing) == 1 else "; ".join(missing[:-1]) + "; and " + missing[-1]
        lines.append(prompts["line_also_today" if turns else "line_today"].format(titles=titles))
    if not turns:
        lines.insert(0, prompts["line_welcome"].format(show=show_name))
    # before the last turn, which usually hands over to the first story
    turns = _with_lines(turns, lines, opening, max(len(turns) - 1, min(1, len(turns))))
    if len({t.speaker for t in turns}) < 2 and clusters:
        turns = _with_lines(turns, [prompts["line_first_story"].format(title=clusters[0].title.rstrip(" .!?:;"))],
                            opening, len(turns))
    return turns


def _without_leading_questions(turns: list[Turn]) -> list[Turn]:
    """A part of the show starts by saying something: the questions before its first statement go (a
    demo show opened on "Can you tell us about it?", a story on three questions no one answered)."""
    while turns:
        said = sentences(turns[0].text)
        first = next((i for i, s in enumerate(said) if not s.rstrip("\"'”’").endswith("?")), len(said))
        if first == 0:
            break
        turns = ([replace(turns[0], text=" ".join(said[first:]))] if first < len(said) else []) + turns[1:]
    return turns


def _welcomed(turns: list[Turn], opening: Segment, prompts: dict[str, str], show_name: str) -> list[Turn]:
    """The opening as a show opens: no question first, and the show's own welcome first when the LLM's
    greeting did not pass."""
    turns = _without_leading_questions(turns)
    if turns and says_hello(turns[0].text):
        return turns
    return _with_lines(turns, [prompts["line_welcome"].format(show=show_name)], opening, 0)


def _tell_the_top_notes(turns: list[Turn], cluster: Cluster, notes: list[str], segment: Segment,
                        speakers: tuple[str, ...]) -> list[Turn]:
    """A story's segment with its top notes said early: what happened, who, where, the key number and
    any caveat come before colour. A top note the hosts did not tell is said after the first turn by
    the other host. A segment with nothing left is its title and its notes, the hosts taking turns; with
    no notes either, its title and the first sentences of its lead report, as a newsreader would."""
    if not turns:
        lead = sentences(without_host_lines(cluster.stories[0].body, speakers))
        lines = notes[:max(TOP_NOTES, 2)] or [s for s in lead if len(s.split()) <= LEAD_WORDS][:2]
        log.info("%s: told from its %s", segment.label, "checked notes" if notes else "lead report's first sentences")
        return _with_lines([], [cluster.title.rstrip(" .!?:;") + "."] + [_ended(line) for line in lines], segment, 0)
    said = _said(turns)
    missing = [note for note in notes[:TOP_NOTES] if not _told(note, said)]
    if len({t.speaker for t in turns}) < 2 and not missing:
        missing = [note for note in notes[TOP_NOTES:] if not _told(note, said)][:1]
    if missing:
        log.info("%s: %d of its top notes said by the hosts; the other %d added", segment.label,
                 min(TOP_NOTES, len(notes)) - len(missing), len(missing))
    turns = _with_lines(turns, [_ended(n) for n in missing], segment, 1)
    # what the checks left out is made up from the story's other notes, not from more words
    said, words, more = _said(turns), sum(len(t.text.split()) for t in turns), []
    for note in notes[TOP_NOTES:]:
        if words >= FILL_SHARE * segment.words:
            break
        if not _told(note, said):
            more.append(_ended(note))
            words += len(note.split())
    if more:
        log.info("%s: %d more of its notes said to make up its length", segment.label, len(more))
    return _with_lines(turns, more, segment, len(turns))


def _ended(line: str) -> str:
    return line if SENTENCE_END.search(line[-3:]) else line.rstrip(" ,;:") + "."


def _signed_off_by_both(turns: list[Turn], closing: Segment, prompts: dict[str, str]) -> list[Turn]:
    """The sign-off, with the show's own goodbye where the LLM's did not pass, said none, or had one host."""
    if len({t.speaker for t in turns}) >= 2 and says_goodbye(" ".join(t.text for t in turns)):
        return turns
    # one host thanked the listeners already: the other says goodbye, not the same thanks again
    goodbye = prompts["line_goodbye_too" if thanks_listeners(" ".join(t.text for t in turns)) else "line_goodbye"]
    return _with_lines(turns, ([] if turns else [prompts["line_wrap"]]) + [goodbye], closing,
                       len(turns))


def _both_hosts(turns: list[Turn], segment: Segment) -> list[Turn]:
    """A segment that one host speaks alone is shared: the other host takes the second half of its
    longest turn, from a sentence boundary."""
    if len({t.speaker for t in turns}) != 1:
        return turns
    longest = max(range(len(turns)), key=lambda i: len(sentences(turns[i].text)))
    said = sentences(turns[longest].text)
    if len(said) < 2:
        return turns
    first, second = segment.order
    half = len(said) // 2
    other = second.key if turns[longest].speaker == first.key else first.key
    split = [Turn(turns[longest].speaker, " ".join(said[:half]), turns[longest].story_ids, turns[longest].segment),
             Turn(other, " ".join(said[half:]), turns[longest].story_ids, turns[longest].segment)]
    return turns[:longest] + split + turns[longest + 1:]


def _without_open_question(turns: list[Turn]) -> list[Turn]:
    """A segment does not end on a question nobody answers: its last turn loses its closing questions
    (the turn too, if that is all it was), unless nothing would be left."""
    turns = list(turns)
    while turns:
        said = sentences(turns[-1].text)
        while said and said[-1].rstrip("\"'”’").endswith("?"):
            said.pop()
        if said and len(said) == len(sentences(turns[-1].text)):
            break
        if not said and len(turns) == 1:
            break
        last = turns.pop()
        if said:
            turns.append(Turn(last.speaker, " ".join(said), last.story_ids, last.segment))
    return turns


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
    if cut:
        kept = _without_open_question(kept)
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
