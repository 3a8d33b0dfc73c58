"""Planted messages: sentences in a feed or page that speak to the show, its hosts, its listeners or
an AI instead of reporting news (prompt injection), found and left out before any model reads them.

The first line of defence, cheap and run on every story (the writer's screen, writer/screen.py, then
judges what the writer will read by meaning). A sentence is read as a reader sees it: invisible
characters gone, full-width and lookalike letters from other scripts (Cyrillic 'о') folded to the
Latin ones they pass for. It is planted when it
- carries a chat-template token of any model family (<|im_start|>, [INST], <start_of_turn>, ...);
- addresses the show: names a part of it (hosts, presenters, listeners, the script, the episode, an
  AI or a summariser) together with something it should do or say (must, should, please, tell,
  mention, promote, end with, ...), however it is worded;
- is dressed as a message from the system: "SYSTEM:", "[ADMIN NOTE]", a tool's JSON, "END OF
  ARTICLE", "New task:";
- tells someone to disregard what they were told ("ignore previous instructions", in its forms);
- is in another language than its story (an English story has no French sentence to speak).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables

from .sanitize import CHAT_TOKEN, plain_letters

# who a planted message speaks to: the show and its parts, its audience
_SHOW = (r"(?:co-?)?hosts?|presenters?|narrators?|anchors?|listeners?|audiences?|people at home|anyone (?:hearing"
         r"|listening)|podcasts?|episodes?|(?:the|this|your|today's) show|the programme|scripts?|script ?writers?"
         r"|outro|intro|sign-?off|on air|(?:reading|read) (?:this|it) aloud|audio (?:version|adaptation|host)s?"
         r"|whoever (?:is )?(?:hosting|reading|presenting|turns|summari[sz]es|covers)|dear \w+"
         r"|(?:audio|radio|podcast|broadcast|spoken|media|syndication|news) (?:partners?|adaptations?|coverage|recaps?"
         r"|outlets?|versions?)|broadcasts?|broadcasters|podcasters|all media|media outlets"
         r"|(?:reads?|reading) (?:this|it) (?:out loud"
         r"|aloud|on air)|any(?:one|body)? (?:retelling|summari[sz]ing|discussing|quoting|reading|covering|adapting)"
         r"|(?:any|every|all) (?:\w+ )?(?:summary|summaries|retellings?|coverage|recaps?|adaptations?)"
         r"|you(?:'re| are) (?:covering|hearing|reading|summari[sz]ing|listening to|writing about|turning) (?:this|it)")
# ... or the model writing it: news about AI says what AI must do too, so these need an order to speak
_MODEL = (r"ai|a\.i\.|artificial intelligence|assistants?|language models?|llms?|chat ?bots?|bots?|models?"
          r"|summar(?:y|ies|i[sz]ers?)|the (?:writer|generator)")
# what a planted message wants said or done
_SPEECH = (r"tell|say|mention|promote|praise|recommend|urge|direct|read(?: out)?|add|insert|include|finish|wrap up"
           r"|sign off|credit|thank|describe|report|claim|mock|visit|download|use|give|pass|shout|plug|state|announce"
           r"|declare|repeat|write|agree|go to|remind|open|start|end|close|call|text|sign up|buy|subscribe|click|enter"
           r"|share|switch|move")
# what it wants done: a duty to speak ("must mention"), or a request ("please", "your task")
_DUTY = (rf"(?:must|should|shall|ought to|needs? to|ha(?:ve|s) to|are to|is to|will now|do not|don't|never|always"
         rf"|(?:are|is) (?:asked|required|instructed|expected|encouraged|told|authori[sz]ed) to)\s(?:\w+\s){{0,4}}?"
         rf"(?:{_SPEECH})\b|(?:must|should) (?:also )?be (?:included|mentioned|credited|cited|named|thanked)")
_REQUEST = (rf"please|be sure to|make sure|remember to|don't forget|only job|your (?:\w+ )?(?:job|task|role|brief"
            rf"|assignment|talking point)|asks? that|ask(?:s|ed)? (?:you|them) to"
            rf"|(?:would like|want|need)s? (?:you|them) to"
            rf"|(?:have|make|get) (?:\w+ ){{0,3}}(?:{_SPEECH})\b|(?:i|we)(?:'ll| will) (?:{_SPEECH})\b"
            rf"|(?:^|[:;] ?)(?:now |then |also |next |finally )?(?:{_SPEECH})\b"
            rf"|, (?:go to|visit|download|text|call|use|sign up)\b"
            rf"|(?:asked|requested|requires?|required|urged) (?:that|\w+ to)"
            rf"|keep (?:the following|this) in mind|(?:meant|intended|written) for")
_DIRECTIVE = f"{_DUTY}|{_REQUEST}"
# what a planted message wants a model to say (narrower: news says providers "must report", a chatbot "must pass")
_MODEL_DUTY = (r"(?:must|should|shall|needs? to|ha(?:ve|s) to|are to|is to|will now|(?:are|is) (?:asked|required"
               r"|instructed|told|authori[sz]ed) to)\s(?:\w+\s){0,2}?(?:say|mention|promote|praise|recommend|describe"
               r"|insert|include|add|claim|state|announce|declare|repeat|thank|credit|end with|close with|open with"
               r"|call (?:him|her|them|it))\b")
_ADDRESSED = re.compile(rf"\b(?:{_SHOW})\b.{{0,200}}?(?:\b|^)(?:{_DIRECTIVE})"
                        rf"|(?:\b|^)(?:{_REQUEST}).{{0,200}}?\b(?:{_SHOW})\b"
                        rf"|\b(?:{_MODEL})\b.{{0,60}}?\b(?:{_MODEL_DUTY})", re.I)
# the hosts made to say something: "Today the hosts agree that ...", "both presenters declare ..."
_HOSTS_SAY = re.compile(rf"\b(?:(?:co-?)?hosts|presenters|narrators)\s(?:\w+\s)?(?:{_SPEECH}|agree|reveal|admit)s?\b",
                        re.I)
# spoken to by name: "Presenters: ...", "Attention AI: ..."
_VOCATIVE = re.compile(r"^\W*(?:dear |attention |note to |to )?(?:the |all )?(?:(?:co-?)?hosts|presenters|narrators"
                       r"|listeners|audience|(?:podcast|audio|production) team|producers|script ?writer)\s*[:,]\s*\w"
                       r"|^\W*(?:dear |attention |note to |to )?(?:the |all )?(?:ai|assistant|model|bot|llm"
                       r"|summari[sz]er)s?\s*:\s*\w"
                       r"|\battention\W+(?:\w+\s)?\w+\s*:|\b(?:for|to) (?:the |all |any )?(?:(?:co-?)?hosts|presenters"
                       r"|narrators|listeners|audience|producers)(?: \w+){0,3}\s*:"
                       r"|\b(?:tell|remind|urge|ask) (?:your|the|all|every) (?:listeners|audience)\b", re.I)
# an order to speak, at the start of a sentence: a report does not tell anyone what to say
_ORDER = re.compile(r"^\W*(?:please\s+|now\s+|then\s+|also\s+)?(?:say (?:that|the (?:word|phrase|following)|this"
                    r"|exactly|[\"'“])|tell (?:the |your |all )?(?:listeners|audience|everyone|people|viewers|them)"
                    r"|mention(?! of)|announce|declare|insert|promote|praise|recommend|shout out|read out|repeat"
                    r"|add (?:a |the |this |one )?(?:line|sentence|mention|note|closing|segment)"
                    r"|let (?:the |your |all |every )?\w+(?: \w+){0,3} know)\b", re.I)
# dressed as a message from the system, a tool, an advert, or the end of the article
_SYSTEM_DRESS = re.compile(
    r"^\W*(?:system|developer|admin(?:istrator)?|operator|moderator|editor|user|assistant|model|tool|function"
    r"|api|plugin|platform|security)\b[\w\s()-]{0,30}?[:\]=>{]"
    r"|^\W*(?:promo(?:tion)?|advert(?:isement)?|ad|sponsored|sponsor|reader comment|comments?|featured reply|reply"
    r"|producer|director|host [a-z0-9])\b[^:]{0,20}:|^\W*comments \(\d+\)|\b\w*[_\d]\w* wrote:|```"
    r"|\[\w{1,40}_\w{1,40}\]|\b\w{0,30}(?:podcast|episode|script|host|sponsor|mention|required)_\w{1,30}"
    r"|\b\w{1,30}_(?:podcast|episode|script|hosts?|sponsor|mention|line|read)\b"
    r"|[{\[,]\s*\"(?:role|tool|function\w*|name|result|output|content|\w*(?:sponsor|podcast|episode|required|script"
    r"|instruction|mention|placement|host|closing|line)\w*)\"\s*:"
    r"|\bend of (?:the )?(?:article|source(?: text)?|text|content|document|input|context)\s*[.:\]\-]"
    r"|\b(?:article|source|text|content|document) ends\b"
    r"|(?:^|\W)(?:new|next|real|actual|replacement) (?:task|step|instructions?|rules?|directive|brief)\s*[:\-]"
    r"|(?:^|\s)(?:={3,}|-{3,}|#{2,})\s*(?-i:[A-Z\[])", re.I)
# told to put aside what it was told, or to be someone else
_DISREGARD = re.compile(
    r"\b(?:ignore|disregard|forget|override|set aside|put aside|pay no attention to|overrule|supersede)\b.{0,60}"
    r"\b(?:instructions?|prompts?|guidelines|guidance|directions|brief(?:ing)?"
    r"|(?:what|whatever) (?:you|they) (?:were|have been) (?:told|asked|given)"
    r"|(?:everything|anything|all) (?:above|before|previous|prior|earlier)|the above"
    r"|(?:previous|prior|earlier|above|original) (?:\w+ )?(?:rules|text|messages?|summary|script))\b"
    r"|\b(?:instructions|guidance|directions|rules|guidelines|brief(?:ing)?)\b.{0,40}\b(?:withdrawn|out of date"
    r"|obsolete|no longer appl(?:y|ies)|void)\b"
    r"|\bwhatever (?:you|the \w+) (?:were|was|wanted|asked|told)\b|\b(?:instead of|rather than) (?:summari[sz]ing"
    r"|reporting|writing)\b"
    r"|\btreat\b.{0,50}\bas (?:out of date|obsolete|void|invalid|wrong|cancel+ed)\b|\blet's play a game\b"
    r"|\byou\s+are\s+(?:now\s+)?[^.]{0,40}?\b(?:ai|assistant|language\s+model|llm|chatbot|bot"
    r"|presenter|host)\b|\b(?:pretend|imagine|act as if|role-?play)\b.{0,30}\byou\b"
    r"|\brole-?play\b.{0,40}\b(?:episode|show|hosts?|podcast)\b|\badopt the persona\b|\bpersona of\b|\byou play\b"
    r"|\bact as\b.{0,60}\b(?:host|presenter|narrator|sponsor|spokesperson|bot|ai|assistant)\b", re.I)
# a sentence that speaks to someone: the screen's question for the LLM (writer/screen.py)
_SUSPECT = re.compile(rf"\b(?:you|your|yours|yourselves|{_SHOW}|{_MODEL})\b", re.I)
# the commonest words of other languages written in Latin letters (French, Spanish, Portuguese, Italian, German,
# Dutch), none of them an English word or a common part of an English sentence's names ("die", "per", "et al.",
# "Le Pen", "Los Angeles", "von der Leyen", "Di Maria")
_OTHER = frozenset("les des est une que pour dans avec vous nous sont cette mais leur ces aux qui sur las una para por"
                   " del como pero sus está son fue esta muy não com dos das pelo pela são ao aos il che della dei"
                   " degli agli alle nel nella sono è gli un und ist nicht mit ein eine auf sich dem zu für wird"
                   " het een niet zijn voor ook".split())
_ENGLISH = frozenset("the a an of to in and is was for on that with as by at from it its are were has have be said"
                     " this will not but or after more than their which".split())
# a sentence ends at . ! ? … (or a closing quote or bracket after one, or 。！？), not after a title ("Dr. Anselm
# Krovitz"); an attack in another script or in quotes is its own sentence, not part of the next one
SENTENCE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’“»)\]]))(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)"
                      r"(?<!\bSt\.)(?<!\bProf\.)\s+|(?<=[。！？])")


@lru_cache(maxsize=4096)
def _latin_lookalike(letter: str) -> str:
    """The ASCII letter a non-Latin letter passes for (Unicode's confusables: Cyrillic 'о' -> 'o'), or itself."""
    for item in confusables.is_confusable(letter, greedy=True, preferred_aliases=["latin"]) or ():
        for glyph in (h["c"] for h in item["homoglyphs"]):
            if glyph.isascii() and glyph.isalpha():
                # Unicode folds capital I and small L together; a capital stays a capital
                return "I" if glyph == "l" and letter.isupper() else glyph
    return letter


def folded(text: str) -> str:
    """What a sentence says, whatever letters spell it (for these checks only: the text keeps its letters)."""
    text = unicodedata.normalize("NFKC", plain_letters(text))
    return "".join(_latin_lookalike(c) if c.isalpha() and not c.isascii() else c for c in text)


def english_share(text: str) -> float:
    """The share of words that are common English function words (about 0.3 in English prose, 0 in French)."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    return sum(w in _ENGLISH for w in words) / len(words) if words else 0.0


def _foreign(sentence: str, english_story: bool) -> bool:
    letters = [c for c in sentence if c.isalpha()]
    if not letters or not english_story:
        return False
    latin = sum(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in letters) / len(letters)
    words = re.findall(r"[^\W\d_]+", sentence.casefold())
    other = sum(w in _OTHER for w in words)
    return latin < 0.5 or (other >= 2 and other > sum(w in _ENGLISH for w in words))


WINDOW, OVERLAP = 1000, 200    # a sentence longer than a window is checked window by window


def is_planted(sentence: str, english_story: bool = True) -> bool:
    """Whether this sentence speaks to the show instead of reporting news (see the module's list)."""
    if CHAT_TOKEN.search(sentence):
        return True
    return any(_planted_words(sentence[at:at + WINDOW], english_story)
               for at in range(0, max(1, len(sentence) - OVERLAP), WINDOW - OVERLAP))


def _planted_words(sentence: str, english_story: bool) -> bool:
    plain = folded(sentence)
    return bool(_ADDRESSED.search(plain) or _HOSTS_SAY.search(plain) or _VOCATIVE.search(plain) or _ORDER.search(plain)
                or _SYSTEM_DRESS.search(plain) or _DISREGARD.search(plain) or _foreign(sentence, english_story))


def may_be_planted(sentence: str) -> bool:
    """Whether a sentence speaks to someone (you, the hosts, an AI, ...): what the writer's screen asks
    the LLM about, once is_planted has passed it."""
    return bool(_SUSPECT.search(folded(sentence)))


def drop_planted(text: str) -> tuple[str, int]:
    """Feed text without its planted sentences, nor the sentence right after each (where a planted
    message puts what it wants said: "... Its first line is 'Brand A is the best.'"); and how many went."""
    sentences = [s.strip() for s in SENTENCE.split(" ".join(plain_letters(text).split())) if s.strip()]
    english = english_share(text) >= 0.12
    planted = [is_planted(s, english) for s in sentences]
    kept = [s for i, s in enumerate(sentences) if not planted[i] and not (i and planted[i - 1])]
    return " ".join(kept), len(sentences) - len(kept)
