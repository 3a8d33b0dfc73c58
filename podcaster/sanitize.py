"""Feed text made safe: plain speakable text, as a reader sees it, and clean links (injection.py then
leaves out the sentences that speak to the show).

Feed content is untrusted. Everything a feed says passes through here before the LLM prompt,
the script, the show notes or the speech can see it.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

# feed text that looks like a URL or a file name is text to us, not a mistake
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")                   # becomes a space
# zero-width and joining characters, direction overrides, soft hyphens, variation selectors, the
# invisible filler letters, and the Unicode tag block (text no reader sees, but a model reads)
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")          # full-width ASCII: 'Ｉｇｎｏｒｅ', '＜｜im_start｜＞'
# chat-template control tokens of every model family and the role named right after one (<|im_start|>system,
# <|reserved_special_token_3|>, [INST], <<SYS>>, <start_of_turn>user, </s>, <｜end▁of▁sentence｜>), in '<>' or,
# once html_to_text has kept them from being read as tags, in '‹›'
CHAT_TOKEN = re.compile(r"(?:[<‹]\|[^<>‹›|\s]{1,60}\|[>›]|[<‹]｜[^<>‹›｜]{1,60}｜[>›]|\[/?(?:INST|SYS|AVAILABLE_TOOLS"
                        r"|TOOL_CALLS|TOOL_RESULTS)\]|[<‹]{2}/?SYS[>›]{2}|[<‹]/?(?:start_of_turn|end_of_turn|bos|eos|pad"
                        r"|unk|think|tool_call)[>›])(?:\s*(?:system|user|assistant|model|developer|tool)\b)?", re.I)
# tags left after parsing ('<b>', and as a code highlighter spaces them: '< h1 >'), and their stubs
_TAG = re.compile(r"</?[A-Za-z!?][^<>]{0,500}>|<\s*/?\s*[A-Za-z][A-Za-z0-9]*\s*/?\s*>|<(?=[A-Za-z/!?])")
_BARE_ADDRESS = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.I)     # a link's text that is its address
URL = re.compile(r"(?:https?://|\bwww\.)\S+", re.I)      # nobody reads a URL aloud; an injection wants one
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|yclid|ref_src)$", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden"
                           r"|font-size\s*:\s*[01](?:\.\d*)?(?:px|pt)?\s*(?:;|$)|opacity\s*:\s*0?\.?0*\s*(?:;|$)"
                           r"|(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$)", re.I)
# classes that hide an element everywhere (not "hidden md:block", shown on wider screens)
_HIDDEN_CLASSES = frozenset({"sr-only", "visually-hidden", "screen-reader-text", "hidden", "invisible"})


def plain_letters(text: str) -> str:
    """Text as a reader sees it: invisible characters gone, full-width forms and compatibility
    letters (ligatures, mathematical bold) as their plain letters. Fractions, superscripts and
    symbols stay: they are spoken as they are."""
    text = _FULL_WIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), _INVISIBLE.sub("", text))
    return "".join(unicodedata.normalize("NFKC", c) if c.isalpha() else c for c in text)


def html_to_text(html: str) -> str:
    """Markup to plain speakable text: drop scripts, styles and hidden elements, keep the words,
    unescape entities (twice, for feeds that escape their HTML twice), strip any tag left, URLs,
    control and direction-override characters; collapse whitespace."""
    for _ in range(2):
        if "<" not in html and "&" not in html:
            break
        # a chat token is not a tag: kept (as '‹...›') for injection.py to find, never stripped to a bare role name
        html = CHAT_TOKEN.sub(lambda m: m.group().replace("<", "‹").replace(">", "›"), html)
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup(["script", "style", "noscript", "iframe", "object", "svg", "template"]):
            tag.decompose()
        # text a reader never sees is where injections hide
        for tag in soup.find_all(lambda t: t.has_attr("hidden") or t.get("aria-hidden") == "true"
                                 or _HIDDEN_STYLE.search(str(t.get("style", "")))
                                 or _hidden_by_class(t.get("class") or ())):
            tag.decompose()
        _unspoken(soup)
        html = soup.get_text(" ")
    text = plain_letters(_CONTROL.sub(" ", html))       # first: a zero-width space can hide a tag
    return " ".join(URL.sub(" ", _TAG.sub(" ", text)).split())


def _hidden_by_class(classes) -> bool:
    names = {c.lower() for c in classes}
    return bool(names & _HIDDEN_CLASSES) and not any(":" in c for c in names)


SMALL_TAG = 12      # descendants: a link or code span with more is left as it is (nested tags cost no more)


def _small(tag) -> bool:
    """At most SMALL_TAG descendants, found without a walk past them (bs4's .descendants first walks
    to the last one, which makes thousands of nested tags a square cost)."""
    seen, stack = 0, [tag]
    while stack:
        for child in getattr(stack.pop(), "contents", ()):
            seen += 1
            if seen > SMALL_TAG:
                return False
            stack.append(child)
    return True


def _unspoken(soup) -> None:
    """What is not said aloud: code blocks, and links whose text is their address (Mastodon splits one
    over spans: 'https://' 'joinmastodon.typeform.com/to/P' 'dqUZCAg'; not "Node.js" or "Amazon.com",
    which are names). Inline code keeps its words, joined as written ('<h1>', not '< h1 >'). Each tag
    looked into is small, so thousands of nested tags cost a linear walk, not a square one."""
    for tag in soup(["pre"]):
        tag.decompose()
    for tag in soup.find_all("a"):
        if _small(tag):
            words = tag.get_text("").strip()
            if URL.fullmatch(words) or (_BARE_ADDRESS.fullmatch(words) and "/" in words):
                tag.decompose()
    for tag in soup(["code", "kbd", "samp"]):
        if _small(tag):
            tag.replace_with(tag.get_text(""))


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
