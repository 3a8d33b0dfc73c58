"""Written text -> what a newsreader says, just before the TTS.

espeak (Kokoro's phonemiser) reads "3.5" as "three. five", "1,500" as "one, five hundred", "£20" as
"pound twenty", "2026" as "two thousand twenty six" and "IMF" as one word. So numbers, money,
percentages, dates, times, ordinals, ranges, units, abbreviations, acronyms and URLs become words
here; the transcript keeps what was written.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from num2words import num2words

from ..sanitize import URL
from ..types import Lexicon

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
              "€": ("euro", "euros", "cent", "cents"), "¥": ("yen", "yen", "", ""), "₹": ("rupee", "rupees", "", "")}
SCALES = {"k": "thousand", "thousand": "thousand", "m": "million", "mn": "million", "million": "million",
          "b": "billion", "bn": "billion", "billion": "billion", "tn": "trillion", "trillion": "trillion"}
MONTHS = ("January February March April May June July August September October November December").split()
LETTERS_SAID_AS_WORDS = r"\b(?:[A-Z]\.){2,}"      # U.S., A.I.


def words(number: str) -> str:
    """'1,500' -> 'one thousand five hundred'; '4.5' -> 'four point five'; more than 12 digits (an id,
    not an amount) digit by digit."""
    digits = number.replace(",", "")
    try:
        if len(digits.split(".")[0]) > 12:
            raise OverflowError(digits)
        value = Decimal(digits)
        return num2words(value if "." in digits else int(value)).replace(",", "")
    except (OverflowError, ArithmeticError, ValueError):
        return " ".join(num2words(int(d)) if d.isdigit() else "point" for d in digits)


def year(number: str) -> str:
    return num2words(int(number), to="year").replace(",", "")


def _cardinal_or_year(m: re.Match) -> str:
    text = m[0]
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", text):     # a bare four-digit number in news is nearly always a year
        return year(text)
    return words(text)


def _money(m: re.Match) -> str:
    one, many, cent, cents = CURRENCIES[m["cur"]]
    amount, scale = m["amount"], m["scale"]
    if scale:
        return f"{words(amount)} {SCALES[scale.lower()]} {many}"
    whole, _, frac = amount.replace(",", "").partition(".")
    said = f"{words(whole)} {one if whole == '1' else many}"
    if frac and cent and int(frac.ljust(2, "0")[:2]):
        return f"{said} {words(str(int(frac.ljust(2, '0')[:2])))}"     # "three dollars ninety-nine"
    return said


def _iso_date(m: re.Match) -> str:
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return m[0]
    return f"{MONTHS[day.month - 1]} {num2words(day.day, to='ordinal')}, {year(m[1])}"


def _time(m: re.Match) -> str:
    hour, minute, half = int(m["h"]), int(m["min"] or 0), m["half"]
    if hour > 23 or minute > 59:
        return m[0]
    said = words(str(hour))
    if minute:
        said += f" oh {words(str(minute))}" if minute < 10 else f" {words(str(minute))}"
    elif not half:
        said += " o'clock" if hour <= 12 else " hundred"
    return said + (f" {half[0].upper()}-M" if half else "")


def _decade(m: re.Match) -> str:
    said = year(m["century"] + m["decade"]) if m["century"] else words(m["decade"])
    return re.sub(r"y$", "ies", said) if said.endswith("y") else said + "s"    # nineties, two thousands


def _url(m: re.Match) -> str:
    host = urlsplit(m[0] if "//" in m[0] else "//" + m[0]).hostname or ""
    return " dot ".join(host.removeprefix("www.").split("."))


def _spell(letters: str) -> str:
    """'IMF' -> 'I-M-F': espeak says each letter, in one breath."""
    return "-".join(letters)


def speakable(text: str, lexicon: Lexicon | None = None) -> str:
    lexicon = lexicon or Lexicon()
    for pattern, say in _rules(lexicon):
        text = pattern.sub(say, text)
    return re.sub(r"\s+([,.!?;:])", r"\1", " ".join(text.split()))


def _rules(lexicon: Lexicon) -> list[tuple[re.Pattern, Callable[[re.Match], str] | str]]:
    said = sorted(lexicon.say, key=len, reverse=True)    # "km/h" before "km"
    units = "|".join(map(re.escape, sorted(lexicon.units, key=len, reverse=True))) or r"(?!)"
    entries = "|".join(map(re.escape, said)) or r"(?!)"

    def unit(m: re.Match) -> str:
        one, many = lexicon.units[m["unit"]]
        return f"{words(m['n'])} {one if m['n'] == '1' else many}"

    def acronym(m: re.Match) -> str:
        letters, plural = m["letters"], m["s"]
        if letters in lexicon.word_acronyms or re.fullmatch(r"[IVX]+", letters):   # World War II
            return m[0]
        return _spell(letters) + ("'s" if plural else "")

    return [
        (re.compile(rf"(?<![\w.])(?:{entries})(?![\w])" if said else r"(?!)"), lambda m: lexicon.say[m[0]]),
        (URL, _url),
        (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso_date),
        (re.compile(r"\b(?P<h>\d{1,2}):(?P<min>\d{2})\b(?:\s*(?P<half>[ap])\.?m\b(?:\.(?=\s+[a-z]))?)?", re.I), _time),
        (re.compile(r"\b(?P<h>\d{1,2})(?P<min>)\s*(?P<half>[ap])\.?m\b(?:\.(?=\s+[a-z]))?", re.I), _time),
        (re.compile(rf"(?:US|A|C|NZ|HK)?(?P<cur>[$£€¥₹])\s?(?P<amount>{NUMBER})"
                    rf"(?:\s?(?P<scale>k|mn|m|bn|b|tn|thousand|million|billion|trillion)\b)?", re.I), _money),
        (re.compile(rf"(?P<n>{NUMBER})\s?(?P<scale>bn|tn)\b"), lambda m: f"{words(m['n'])} {SCALES[m['scale']]}"),
        (re.compile(rf"(?<![\w.,])({NUMBER})\s?[-–]\s?({NUMBER})(?!\.?\d)"),
         lambda m: f"{_cardinal_or_year(re.match(NUMBER, m[1]))} to {_cardinal_or_year(re.match(NUMBER, m[2]))}"),
        (re.compile(rf"(?<![\w.])(?P<minus>[-−])?(?P<n>{NUMBER})\s?%"),
         lambda m: ("minus " if m["minus"] else "") + words(m["n"]) + " percent"),
        (re.compile(r"(?<!\w)['’]?(?P<century>1[1-9]|20)?(?P<decade>\d0)['’]?s\b"), _decade),
        (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), lambda m: num2words(int(m[1]), to="ordinal")),
        (re.compile(r"(?:№|\bNo\.)\s?(\d+)"), lambda m: f"number {words(m[1])}"),
        (re.compile(rf"(?<![\w.])(?P<n>{NUMBER})\s?(?P<unit>{units})(?![\w/])"), unit),
        (re.compile(rf"(?<![\w.])[-−](?={NUMBER})"), "minus "),
        (re.compile(r"(?<=[A-Za-z])-(?=\d)"), " "),                     # COVID-19, GPT-4
        (re.compile(NUMBER), lambda m: f" {_cardinal_or_year(m)} "),     # "3D" -> "three D"
        (re.compile(r"%"), " percent"),
        (re.compile(LETTERS_SAID_AS_WORDS + r"(?=(\s+[A-Z]|\s*$)?)"),
         lambda m: _spell(m[0].replace(".", "")) + ("." if m[1] is not None else "")),
        (re.compile(r"\b(?P<letters>[A-Z]{2,5})(?P<s>s)?\b"), acronym),
    ]
