"""Claim-level support: every sentence a host says is checked against the reports of the stories it is
about, and only what they state is spoken.

A sentence that states something (not a question, not a short reaction) stays only if two independent
signals agree:
- the words: its numbers, names and quotations are in the reports (grounding.py), and most of its
  content words, stemmed, are too;
- the meaning: the loaded LLM, shown the report sentences that best match it, answers yes to "does
  the source say this?" (llm.judge_many: one forward pass a sentence, batched). Negations, who did
  what and cause and effect pass the first signal and fail here. A close copy of one report
  sentence or one checked note (all its content words there, no "not" it lacks, each number after
  the same word) is the words' own proof of its meaning and is not asked: on 2 CPU cores a question
  costs about a second.
The notes a segment is written from are checked the same way first (every note is a claim), so a
host who retells a note needs no judge. Whatever the reports say, hosts present the news: a sentence
that speaks as a person in the story ("we negotiated", "our team") or lectures the listener ("we need
to be careful") is not theirs to say; greetings and self-introductions belong to the opening,
goodbyes to the sign-off, and a morning show does not say "tonight" unless the news does.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass

from ..types import Turn
from ..words import content_stems
from .facts import as_data
from .grounding import Grounds, unsupported
from .llm import LLM
from .script import SENTENCE_END

log = logging.getLogger(__name__)

# a claim keeps at least this share of its content words (stemmed) in its reports: paraphrase moves a
# word or two, invention brings whole phrases (tuned on benchmarks/faithfulness/claims.json)
LEXICAL_MIN = 0.7
MIN_QUESTION_WORDS = 3      # "Do you,?" is not a question a listener can follow
MIN_CLAIM_WORDS = 4         # nor "200 euros each." a statement
EVIDENCE_SENTENCES = 4      # report sentences the judge sees for one claim
# the judge's probability of "yes" a claim needs. The offline model on claims.json's sentences that pass
# the words: true ones 0.29 to 0.95 (4 of 41 under 0.7), invented 0.20 to 0.59, inverted 0.28 to 0.90
# (12 of 18 under 0.7)
YES_MIN = 0.7

# a sentence of at most this many words whose content words are all of these is a reaction, not a claim
REACTION_WORDS = 8
REPEAT_SHARE = 0.8      # a sentence with this share of its (or the other's) words in one said before says it again
REACTION = frozenset(content_stems(
    "wow great interesting fascinating amazing impressive exactly right true indeed absolutely incredible good "
    "news really pretty huge big story stories sounds sound thing things definitely certainly agreed agree nice "
    "exciting cool remarkable wonderful lovely fantastic quite sure yeah yes okay well love step moment idea "
    "wild surprising surprise shame tough worrying encouraging promising hopeful relief welcome point fair "
    "question change day time lot deal start kind matter matters important"))

# a one-word line that is a reaction ("Yes.", "Wow!"), unlike one left at a cut ("That.")
INTERJECTIONS = frozenset("yes no yeah yep right exactly indeed absolutely definitely certainly wow true sure okay ok "
                          "great agreed interesting amazing incredible fascinating remarkable wonderful nice good "
                          "brilliant fantastic hmm oh ah".split())

# what hosts say about the show itself ("today's stories", "next up", "let's dig in"): not news to check
SHOW_VOCABULARY = frozenset(content_stems(
    "show shows episode story stories today today's news headline headlines topic topics listener listeners "
    "morning evening tomorrow talk talking look looking hear start starting begin next "
    "cover covering dive dig break update updates join joining host hosts welcome thank thanks listen "
    "listening round roundup wrap move moving turn turning head heading bring lined line-up up ahead coming "
    "tell telling explain closer detail details let's get started kick kicking"))

_FIRST_PERSON_PLURAL = re.compile(r"\b(?:we|we've|we'd|we're|we'll|our|ours|us|ourselves)\b", re.I)
# a host's "I" in a story is a view on it ("I think", "I wonder"); anything else ("I walked past it",
# "my legs felt light") is a person in the story speaking through a host
_FIRST_PERSON_SINGULAR = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)\b")
_HOST_VIEW = re.compile(r"\bI(?:'d| would)? (?:think|wonder|agree|guess|suppose|imagine|mean|say|bet|love|like|"
                        r"hope|find|noticed|read)\b|\bI'm (?:curious|glad|sure|not sure|told|reading)\b|"
                        r"\b(?:to|for|with|let) me\b|\b(?:strikes|struck|surprises|surprised) me\b")
# what hosts say of themselves and the show: not the first person of someone in the story
_SHOW_TALK = re.compile(
    r"\b(?:let's|let us|we(?:'ll| will) (?:be back|be right back|talk|look|cover|hear|turn|move|keep|follow|bring|"
    r"update|see|get to|have more|wrap|leave it|stay)|we're (?:talking|looking|covering|going to|moving|turning|"
    r"heading|starting|back|off|wrapping|done)|we (?:turn|move|go|head|start with|cover|begin|end|close|wrap|finish)|"
    r"we (?:just|already) (?:heard|talked|covered|said|mentioned|saw)|we have (?:a|another|more|one|two|three|"
    r"some|time)|(?:with|join|joining|joined|for|tell|to) us|our (?:show|listeners|next|last|first|final|top|"
    r"story|stories|guest|second|third|fourth|fifth|time)|on (?:our|the) (?:show|program|list))\b", re.I)
_LECTURE = re.compile(
    r"\b(?:(?:it's|it is) (?:important|crucial|essential|vital|key|worth remembering) (?:to|that)|"
    r"we (?:all )?(?:need|should|must|have|ought) to|we (?:all )?should|you (?:should|must|need to|ought to)|"
    r"everyone (?:should|must|needs to)|make sure (?:to|you|we)|be (?:careful|cautious|mindful|aware|vigilant)|"
    r"remember to|let's (?:all )?(?:hope|remember|not forget)|does anyone|^\W*any (?:more )?questions)\b", re.I)
# a sentence that gives an order: a report has no reason to, and a host tells the news, not the listener
_COMMAND = re.compile(r"^\W*(?:please\s+)?(?:speak|say|tell|visit|call|click|buy|subscribe|sign up|follow|go to|"
                      r"check out|download|vote|donate|remember|don't|do not|stop|try|make sure|use|get|act)\b", re.I)
# what an advertisement or a planted message wants said: a web address, a code, a sponsor. A news show
# names a company when the news is about it, never where to go or what to type
_ADVERT = re.compile(r"\b(?:www\b|https?\b|dot (?:com|org|net|io)\b"
                     r"|[a-z0-9-]+\.(?:com|org|net|io|co|info|biz|app|xyz|shop|example)\b"
                     r"|(?:promo(?:tional)?|discount|coupon|voucher|referral) codes?\b|use (?:the )?code\b"
                     r"|brought to you by|(?:our|today's|this episode's|the show's) sponsors?\b"
                     r"|(?:episode|show|segment|podcast) is sponsored by)", re.I)
# the writer's instructions said back ("both hosts end the show by ..."): not a line of the show
_PROMPT_ECHO = re.compile(r"\b(?:both hosts|both say|the (?:two )?hosts|in about \d+ words|\d+ turns|the notes say"
                          r"|the sign-off)\b", re.I)
# a sentence that ends on one of these stopped mid-thought: "... ending the show with a."
# (not "that" or "is": "15 million of that.", "that's what it is.")
_CUT_OFF = re.compile(r"\b(?:a|an|the|and|or|but|with|from|its|their|our|your|my)\W*$|[,;:–—-]\W*$", re.I)
# the show's name said wrong ("Welcome to 'The Day.'"): a name after "welcome to" must be the show's, or a day's
# the run of capitalised words right after "welcome to" ("The Daily Feed", not the "I'm Kai" after a comma)
_WELCOMED_TO = re.compile(r"\b(?i:welcome (?:back )?to)\s+((?:[\"'“‘]?[A-Z][\w'’]*[\"'”’]?\s*)+)")
_DATE_NAMES = frozenset("monday tuesday wednesday thursday friday saturday sunday "
                        "january february march april may june july august september october november december "
                        "today's today".split())
_QUOTE_MARK = re.compile(r"[\"“”]")
_GREETING = re.compile(
    r"\b(?:good (?:morning|afternoon|evening|day)|welcome (?:back|to|everyone|listeners)|welcome,|hello|"
    r"hi (?:everyone|all|there|folks)|hey (?:everyone|there|folks)|my name is|i'm here with|here with me|"
    r"joining me|(?:and|with) me (?:today )?is|you're welcome)\b", re.I)
# a guest's words: the hosts are on their own show ("Thanks for having us", heard in a test show)
_GUEST = re.compile(r"\b(?:thanks?(?: you)?(?: so much)? for having (?:me|us)|(?:glad|great|happy|good|nice|lovely) "
                    r"to be (?:here|with you|on the show|back)|(?:a )?pleasure to be (?:here|with you|on))\b", re.I)
_FAREWELL = re.compile(
    r"\b(?:goodbye|bye|good night|see you (?:tomorrow|next time|then|soon)|thanks? (?:you )?for (?:listening|"
    r"joining|tuning)|that's (?:all|it) for (?:today|this|now)|until tomorrow|signing off|take care|"
    r"have a (?:great|good|nice|lovely|wonderful) (?:day|morning|evening|night|weekend|one)|you too)\b", re.I)
# words for a time of day; a style names its own (Style.time_of_day), the others need the news to say them
TIMES_OF_DAY = {"morning": r"(?:this|good|great|nice|lovely) morning|breakfast",
                "evening": r"tonight|good ?night|(?:this|good|great|nice|lovely) (?:evening|night)|end of the day"}


@dataclass(frozen=True)
class ShowRules:
    """What the whole show may say whatever its sources: its hosts and name, and its time of day."""
    host_names: tuple[str, ...]
    show_name: str
    time_of_day: str = ""       # "morning", "evening", or "" (any)
    host_keys: tuple[str, ...] = ()     # each host's preset key, as host_names: whose turn says a name


@dataclass
class Draft:
    """One segment's turns as written, to be checked: its kind ('opening', 'segment', 'closing', or
    'notes': a story's notes, every one a claim) and what it may state."""
    kind: str
    turns: list[Turn]
    grounds: Grounds


@dataclass(frozen=True)
class Dropped:
    sentence: str
    reason: str


def sentences(text: str) -> list[str]:
    """text in its sentences (what follows the last end stays with it)."""
    out, start = [], 0
    for end in SENTENCE_END.finditer(text):
        out.append(text[start:end.end()].strip())
        start = end.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return [s for s in out if s]


def kind_of(sentence: str, grounds: Grounds) -> str:
    """'question', 'reaction' (a few words of response, nothing stated), 'fragment' (a question or a
    statement too short to follow) or 'claim'."""
    if sentence.rstrip("\"'”’").endswith("?"):
        return "question" if len(re.findall(r"\w+", sentence)) >= MIN_QUESTION_WORDS else "fragment"
    if not re.search(r"\w{2,}", sentence):
        return "fragment"           # "I." or "A." left at a cut: no word to say
    words = content_stems(sentence)
    # a reaction says one of its words ("Wow.", "Indeed, Kai."); names alone ("Kai. Ava.") are no line
    short = len(sentence.split()) <= REACTION_WORDS
    if short and (_GREETING.search(sentence) or _FAREWELL.search(sentence)):
        return "reaction"           # "Good morning!": states nothing (house_rule says where it may be said)
    if not words and len(re.findall(r"\w+", sentence)) == 1 and sentence.strip(" .!").casefold() not in INTERJECTIONS:
        return "fragment"           # "That." left at a cut is no reaction
    if short and all(w in REACTION or w in grounds.allowed_stems for w in words) and \
            (not words or any(w in REACTION for w in words)):
        return "reaction"
    return "claim" if len(re.findall(r"\w+", sentence)) >= MIN_CLAIM_WORDS else "fragment"


def house_rule(sentence: str, kind: str, rules: ShowRules, grounds: Grounds) -> str:
    """Why a host may not say this sentence in a segment of this kind, whatever the sources say ('' if
    they may)."""
    if _LECTURE.search(sentence) or _COMMAND.search(sentence):
        return "lectures the listener"
    if _CUT_OFF.search(sentence) or _ends_mid_word(sentence, grounds):
        return "cut off"
    advert = _ADVERT.search(sentence)
    if advert and advert.group(0).casefold() not in grounds.text:     # "Booking.com was fined" is news
        return "advertises (a web address, a code or a sponsor)"
    first_person = _FIRST_PERSON_PLURAL.search(_SHOW_TALK.sub(" ", sentence)) or \
        _FIRST_PERSON_SINGULAR.search(_HOST_VIEW.sub(" ", sentence))
    if kind == "notes":     # a note may be said by a host: not in the words of someone in the story
        return "speaks as someone in the story" if first_person and not _QUOTE_MARK.search(sentence) else ""
    if _PROMPT_ECHO.search(sentence):
        return "repeats the instructions"
    if _narration(sentence, rules):
        return "narrates the hosts"
    if _GUEST.search(sentence):
        return "talks like a guest on the show"
    if kind != "opening" and (_GREETING.search(sentence) or _self_introduction(sentence, rules)):
        return "a greeting after the opening"
    if _wrong_show_name(sentence, rules):
        return "names the show wrongly"
    if kind == "segment" and (_FAREWELL.search(sentence) or _names_the_show(sentence, rules, grounds)):
        return "a sign-off or show announcement mid-show"
    if first_person and kind == "segment":
        return "speaks as someone in the story"
    for part_of_day, words in TIMES_OF_DAY.items() if rules.time_of_day else ():
        if part_of_day != rules.time_of_day and re.search(rf"\b(?:{words})\b", sentence, re.I) and \
                not re.search(rf"\b(?:{words})\b", grounds.text):
            return f"wrong time of day for a {rules.time_of_day} show"
    return ""


def _ends_mid_word(sentence: str, grounds: Grounds) -> bool:
    """Cut off inside a word of its sources: "... led by In." where the report says "led by Ingrid"."""
    tail = " ".join(re.findall(r"[\w'-]+", sentence.casefold())[-3:])
    return len(tail) > 3 and re.search(rf"\b{re.escape(tail)}\w", grounds.text) is not None and \
        re.search(rf"\b{re.escape(tail)}\b", grounds.text) is None


def _names_the_show(sentence: str, rules: ShowRules, grounds: Grounds) -> bool:
    """The show's name said as a whole phrase, in any case ("the daily feed"); a name of one word (a
    listener's "Briefing") only as written, so that the news's own "briefing" is not taken for it; and
    never a name the reports use themselves (a show called "Today" or "World News": their words)."""
    name = re.sub(r"^(?i:the)\s+", "", rules.show_name.strip())
    flags = re.I if len(name.split()) > 1 else 0
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, flags) is not None and \
        re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", grounds.text) is None


def _wrong_show_name(sentence: str, rules: ShowRules) -> bool:
    welcomed = _WELCOMED_TO.search(sentence)
    if not welcomed:
        return False
    allowed = {w.casefold() for w in re.findall(r"[\w']+", " ".join((rules.show_name, *rules.host_names)))}
    names = re.findall(r"\b[A-Z][\w']*", welcomed.group(1))
    return any(n.casefold().removesuffix("'s") not in allowed | _DATE_NAMES for n in names)


def _narration(sentence: str, rules: ShowRules) -> bool:
    """A host named in the third person doing something ("Ava finishes by asking", "Kai said"), or a
    host's name before a quotation, as in a script (Ava "Thank you all for listening ...")."""
    names = "|".join(map(re.escape, rules.host_names))
    return bool(re.search(rf"\b(?:{names}) (?!is\b|was\b|has\b)(?:\w+s|\w+ed|said|says)\b", sentence) or
                re.search(rf"\b(?:{names}):? [\"“]", sentence))


def says_goodbye(text: str) -> bool:
    return bool(_FAREWELL.search(text))


def says_hello(text: str) -> bool:
    return bool(_GREETING.search(text))


def thanks_listeners(text: str) -> bool:
    return bool(re.search(r"(?i)\bthanks?(?: you)? for (?:listening|joining|tuning)", text))


def _self_introduction(sentence: str, rules: ShowRules) -> bool:
    names = "|".join(map(re.escape, rules.host_names))
    return bool(re.search(rf"\b(?:I'm|I am|this is|it's) (?:{names})\b", sentence, re.I))


_CHANGE = re.compile(r"\b(by|to|from)\s+(\d[\d,.]*\d|\d)", re.I)


def changed_number(sentence: str, grounds: Grounds) -> str:
    """A number the reports give as a level ("to 3.5") that the sentence makes a change ("by 3.5"), or
    the other way round: the number stands in the reports, what it measures does not."""
    for word, number in _CHANGE.findall(sentence):
        found = {w.casefold() for w, n in _CHANGE.findall(grounds.text) if n == number}
        if found and word.casefold() not in found:
            return f"{word} {number}"
    return ""


# "Marta Quinn, a nurse in Saltmarsh Point, said the first crossing should leave before six": who said what
_SAID = re.compile(r"(?P<who>(?:[A-Z][\w'’-]+ ){0,2}[A-Z][\w'’-]+)(?:,[^,]{1,80},)? (?:said|says|told|added|argued|"
                   r"warned|noted|explained|stated|insisted|admitted)\b(?: that)?,?\s+(?P<what>[^.!?]+)")
# a report sentence that goes on with the one before's speaker: "She added ...", or a second quotation
_PRONOUN_START = re.compile(r"^\s*(?:[\"“]|(?:he|she|they|his|her|their)\b)", re.I)
ATTRIBUTED_MIN = 0.6    # of what someone is said to have said, the share of content words in their own sentences


def misattributed(sentence: str, grounds: Grounds) -> str:
    """Who a claim says said something, when the reports give those words to someone else: heard in a
    demo show, a nurse "said" what a handful of commuters said in the next sentence. What a person
    said must be in the report sentences that name them, or one right after that goes on with them ("She
    added ...", a second quotation)."""
    for said in _SAID.finditer(sentence):
        surname = said["who"].split()[-1].casefold().removesuffix("'s")
        mine = [i for i, p in enumerate(grounds.passages) if re.search(rf"\b{re.escape(surname)}\b", p, re.I)]
        if not mine:
            continue        # not a name of the reports (unsupported() says so), or a title ("Officials")
        near = set(mine) | {i + 1 for i in mine if i + 1 < len(grounds.passages) and
                            _PRONOUN_START.search(grounds.passages[i + 1])}
        theirs = frozenset().union(*(grounds.passage_stems[i] for i in near))
        words = [w for w in content_stems(said["what"]) if w not in grounds.allowed_stems and w not in SHOW_VOCABULARY]
        if len(words) >= 2 and sum(w in theirs for w in words) / len(words) < ATTRIBUTED_MIN:
            return f"gives {said['who']} words the reports do not give them"
    return ""


def lexical_gap(sentence: str, grounds: Grounds) -> str:
    """Why the words of a claim are not its reports' ('' if they are): a number, name or quotation they
    do not hold, a number turned from a level into a change, or too few of its content words."""
    facts = unsupported(sentence, grounds)
    if facts:
        return f"not in the reports: {', '.join(facts)}"
    changed = changed_number(sentence, grounds)
    if changed:
        return f"a number the reports do not give that way: {changed}"
    wrong_person = misattributed(sentence, grounds)
    if wrong_person:
        return wrong_person
    words = [w for w in content_stems(sentence) if w not in grounds.allowed_stems and w not in SHOW_VOCABULARY]
    if not words:
        return ""
    missing = [w for w in words if w not in grounds.stems]
    if 1 - len(missing) / len(words) < LEXICAL_MIN:
        return f"words not in the reports: {', '.join(dict.fromkeys(missing))}"
    return ""


_WORD_AND_NUMBER = re.compile(r"\b[A-Za-z]+ \d[\d,.]*\d|\b[A-Za-z]+ \d")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|\w+n't)\b", re.I)


def close_copy(sentence: str, grounds: Grounds) -> bool:
    """Whether every content word of sentence is in one report sentence or one checked note, with no
    negation it lacks, and each number after the same word ("rose to 3.5" is not "rose by 3.5")."""
    wanted = set(content_stems(sentence)) - grounds.allowed_stems - SHOW_VOCABULARY
    negations = len(_NEGATION.findall(sentence))
    numbers = [m.casefold() for m in _WORD_AND_NUMBER.findall(sentence)]
    return any(wanted <= stems and negations <= len(_NEGATION.findall(text)) and
               all(n in " ".join(text.casefold().split()) for n in numbers)
               for stems, text in zip(grounds.passage_stems + grounds.note_stems,
                                      grounds.passages + list(grounds.notes)))


def evidence(sentence: str, grounds: Grounds, count: int = EVIDENCE_SENTENCES) -> str:
    """The report sentences that share the most content words with sentence, in report order."""
    wanted = set(content_stems(sentence))
    scored = sorted(range(len(grounds.passages)), key=lambda i: -len(wanted & grounds.passage_stems[i]))[:count]
    return " ".join(grounds.passages[i] for i in sorted(scored))


def check_drafts(drafts: list[Draft], rules: ShowRules, llm: LLM, prompts: dict[str, str],
                 speakers: tuple[str, ...]) -> list[tuple[list[Turn], list[Dropped]]]:
    """Each draft's turns with only the sentences its hosts may say, and what was left out with why.
    The judge sees every claim that passed the other checks, all drafts in one batch."""
    verdicts: list[list[list[str]]] = []      # draft -> turn -> sentence -> reason ('' = kept)
    to_judge: list[tuple[int, int, int, str, Grounds]] = []
    for d, draft in enumerate(drafts):
        verdicts.append([])
        said_before = []        # "Yes, I agree." said once in a segment is a reaction; again, filler
        for t, turn in enumerate(draft.turns):
            reasons, before = [], ""
            own_name = dict(zip(rules.host_keys, rules.host_names)).get(turn.speaker, "")
            for s, sentence in enumerate(sentences(turn.text)):
                kind = "claim" if draft.kind == "notes" else kind_of(sentence, draft.grounds)
                reason = house_rule(sentence, draft.kind, rules, draft.grounds)
                if own_name and re.match(rf"\W*{re.escape(own_name)}\s*,", sentence):
                    reason = "a host talking to themself"      # Ava: "Ava, let's talk about this."
                said = frozenset(content_stems(sentence)) or frozenset(re.findall(r"\w+", sentence.casefold()))
                if not reason and any(_says_again(said, earlier) for earlier in said_before):
                    reason = "said before in this segment"
                if kind == "fragment":
                    reason = "a fragment, not a sentence"
                if kind == "question" and before == "question" and not reason:
                    reason = "a second question in a row (a host asks one thing at a time)"
                if kind == "reaction" and before == "question" and not reason:
                    reason = "a reaction to the host's own question"
                before = kind
                if not reason and kind != "reaction":
                    # a question may not smuggle in a number or a name either
                    reason = lexical_gap(sentence, draft.grounds) if kind == "claim" else \
                        ", ".join(unsupported(sentence, draft.grounds))
                if not reason and kind == "claim" and not close_copy(sentence, draft.grounds):
                    to_judge.append((d, t, s, sentence, draft.grounds))
                if not reason:
                    said_before.append(said)
                reasons.append(reason)
            verdicts[d].append(reasons)
    questions = [[{"role": "system", "content": prompts["judge_system"]},
                  {"role": "user", "content": prompts["judge"].format(
                      evidence=as_data(evidence(sentence, grounds), speakers), claim=as_data(sentence, speakers))}]
                 for _, _, _, sentence, grounds in to_judge]
    started = time.perf_counter()
    for (d, t, s, _, _), yes in zip(to_judge, llm.judge_many(questions) if questions else []):
        if yes < YES_MIN:
            verdicts[d][t][s] = f"the judge finds it unsupported (yes {yes:.2f})"
    log.info("support: %d sentences checked, %d asked of the judge (%.1f s)",
             sum(len(r) for v in verdicts for r in v), len(questions), time.perf_counter() - started)
    return [_kept(draft, verdicts[d]) for d, draft in enumerate(drafts)]


def _says_again(said: frozenset[str], earlier: frozenset[str]) -> bool:
    """Whether a sentence (its words) says one said before: nearly the same words, or four or more of
    its words all but one in the other ("He was caught testing positive for EPO" after "Reyne was ...")."""
    shared, fewer = len(said & earlier), min(len(said), len(earlier))
    return bool(said) and (shared >= REPEAT_SHARE * max(len(said), len(earlier)) or
                           (fewer >= 4 and shared >= REPEAT_SHARE * fewer))


def _kept(draft: Draft, verdicts: list[list[str]]) -> tuple[list[Turn], list[Dropped]]:
    turns, dropped = [], []
    for turn, reasons in zip(draft.turns, verdicts):
        said = sentences(turn.text)
        dropped += [Dropped(sentence, reason) for sentence, reason in zip(said, reasons) if reason]
        text = " ".join(sentence for sentence, reason in zip(said, reasons) if not reason)
        if text:
            turns.append(Turn(turn.speaker, text, turn.story_ids, turn.segment))
    return turns, dropped


def log_dropped(label: str, dropped: list[Dropped], said: int) -> None:
    """One line per story: how many of its sentences were left out and why, then each of them."""
    if not dropped:
        return
    why = Counter(d.reason.split(":")[0].split(" (")[0] for d in dropped)
    log.info("%s: left out %d of %d sentences (%s)", label, len(dropped), said,
             ", ".join(f"{n} {reason}" for reason, n in why.most_common()))
    for d in dropped:
        log.info("  left out (%s): %r", d.reason, d.sentence[:120])
