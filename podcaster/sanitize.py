"""Feed text made safe: plain speakable text, clean links, and no sentence that talks to a model.

Feed content is untrusted. Everything a feed says passes through here before the LLM prompt,
the script, the show notes or the speech can see it.
"""
from __future__ import annotations

import re
import warnings
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

# feed text that looks like a URL or a file name is text to us, not a mistake
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")                   # becomes a space
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")  # zero-width, direction overrides
_TAG = re.compile(r"</?[A-Za-z!?][^<>]{0,500}>|<(?=[A-Za-z/!?])")   # tags left after parsing, and their stubs
URL = re.compile(r"(?:https?://|\bwww\.)\S+", re.I)      # nobody reads a URL aloud; an injection wants one
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|yclid|ref_src)$", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0", re.I)
# Sentences that talk to a model, not about the news: an article has no reason to say these.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|guidelines"
    r"|(?:previous|prior|above|earlier|original)\s+(?:rules|directions))\b"
    r"|\b(?:new|updated|real|hidden|secret)\s+(?:instructions|system\s+prompt)\b"
    r"|\b(?:system|assistant|developer)\s*(?:prompt|message)?\s*:"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?|the)\b[^.]{0,30}?\b(?:ai|assistant|language\s+model|llm|chatbot)\b"
    r"|\b(?:as\s+an?\s+|dear\s+)(?:ai|language\s+model|llm|assistant|chatbot)\b"
    r"|\b(?:podcast\s+)?(?:hosts?|script)\s+(?:must|should|shall|will\s+now)\s+(?:say|mention|read|announce|tell"
    r"|end|start|open|close|praise|promote|thank|add|include|recommend)\b"
    r"|^(?:please\s+)?(?:say|repeat)\s+(?:the\s+(?:word|phrase|following)|this|exactly|after\s+me|[\"“'])"
    r"|^(?:please\s+)?(?:insert|include|announce|mention|read\s+out)\s+(?:the\s+following|this|that|our"
    r"|a\s+(?:link|slogan|message|promo))\b"
    r"|^(?:please\s+)?tell\s+(?:the\s+|your\s+)?(?:listeners|audience|viewers)\b", re.I)
_CHAT_TOKENS = re.compile(r"<\|[a-z_]+\|>|\[/?INST\]|<</?SYS>>", re.I)   # chat-template control tokens
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def drop_instructions(text: str) -> tuple[str, int]:
    """Feed text without the sentences that address a model (prompt injection); and how many went."""
    text, tokens = _CHAT_TOKENS.subn(" ", text)
    sentences = _SENTENCE.split(" ".join(text.split()))
    kept = [s for s in sentences if not _INSTRUCTION.search(s)]
    return " ".join(kept), len(sentences) - len(kept) + tokens


def html_to_text(html: str) -> str:
    """Markup to plain speakable text: drop scripts, styles and hidden elements, keep the words,
    unescape entities (twice, for feeds that escape their HTML twice), strip any tag left, URLs,
    control and direction-override characters; collapse whitespace."""
    for _ in range(2):
        if "<" not in html and "&" not in html:
            break
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup(["script", "style", "noscript", "iframe", "object", "svg", "template"]):
            tag.decompose()
        # text a reader never sees is where injections hide
        for tag in soup.find_all(lambda t: t.has_attr("hidden") or t.get("aria-hidden") == "true"
                                 or _HIDDEN_STYLE.search(str(t.get("style", "")))):
            tag.decompose()
        html = soup.get_text(" ")
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", html))       # first: a zero-width space can hide a tag
    return " ".join(URL.sub(" ", _TAG.sub(" ", text)).split())


def clean_link(link: str) -> str:
    """An http(s) link without tracking parameters or fragment; any other scheme (javascript:, data:,
    file:) is dropped."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, urlencode(query), ""))
