"""Written text -> what a newsreader says, just before the TTS.

espeak (Kokoro's phonemiser) reads "3.5" as "three. five", "1,500" as "one, five hundred", "£20" as
"pound twenty", "2026" as "two thousand twenty six" and "IMF" as one word. So numbers, money,
percentages, dates, times, durations, phone numbers, versions, ordinals, ranges, units, abbreviations,
acronyms and URLs become words here; the transcript keeps what was written. Where a written form has
two readings, the one a newsreader would give is chosen, and the comment beside it says why.
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
MONTH = "|".join(MONTHS)
LETTERS_SAID_AS_WORDS = r"\b(?:[A-Z]\.){2,}"      # U.S., A.I.
HALF = r"(?P<half>[ap])\.?m\b(?:\.(?=\s+[a-z]))?"    # pm, p.m. (its last dot kept where it ends a sentence)
NUMERIC_DATE = r"\b(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})\b"    # 3/4/2025, 4.3.2025
# digit groups joined by single spaces, hyphens or dots, maybe after +44 or (555): checked by _phone
PHONE = r"(?<![\w.,+/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,6}(?:[ .-]\d{1,6}){0,4}(?![\w-]|[.,]\d)"
EMERGENCY = r"\b(?P<verb>(?:[Cc]all|[Dd]ial|[Rr]ing|[Pp]hon)\w*\s+)(?P<n>911|999|112)\b"
# "Python 3.11": a version after a name is said part by part ("three point eleven"); not before %, a unit or a scale
VERSION = (r"(?P<name>\bv|\b[Vv]ersion\s+|\b(?:[A-Z][a-z]+|[a-z]+[A-Z])[A-Za-z]*\s)"
           r"(?P<v>\d+(?:\.\d+)+|(?<=v)\d+)(?![\w%°]|\.\d)")


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
    hundredths = int(frac.ljust(2, "0")[:2]) if frac else 0
    said = f"{words(whole)} {one if whole == '1' else many}"
    if hundredths and cent and int(whole or 0) == 0:
        return f"{words(str(hundredths))} {cent if hundredths == 1 else cents}"     # "ninety-nine cents"
    if hundredths and cent:
        return f"{said} {words(str(hundredths))}"     # "three dollars ninety-nine"
    return said


def _iso_date(m: re.Match) -> str:
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return m[0]
    return _month_first(day.month, day.day, m[1])


def _numeric_date(m: re.Match) -> str:
    day_first = _day_first(m)
    day, month = (int(m["a"]), int(m["b"])) if day_first else (int(m["b"]), int(m["a"]))
    try:
        date(int(m["y"]), month, day)
    except ValueError:
        return m[0]
    if not day_first:
        return _month_first(month, day, m["y"])
    the = "" if re.search(r"\bthe\s+$", m.string[:m.start()], re.I) else "the "      # "on the 3/4/2025"
    return the + _day_first_said(day, month, m["y"])


def _day_first(m: re.Match) -> bool:
    """Whether 3/4/2025 is the 3rd of April. A part over 12 settles it; so does another date in the same
    text written with one; dots (4.3.2025) are only ever day-first. Else day-first: it is how most of the
    English-speaking world writes dates, and US news style spells the month out ("March 4, 2025"), so a
    numeric date in a news feed is more often British, European or Indian than American."""
    for found in [m, *re.finditer(NUMERIC_DATE, m.string)]:
        a, b = int(found["a"]), int(found["b"])
        if a > 12 or b > 12:
            return a > 12
        if found is m and m["sep"] == ".":
            return True
    return True


def _written_date(m: re.Match) -> str:
    """'4 March 2025', 'the 4th of March' -> 'the fourth of March, twenty twenty-five'; 'March 4, 2025' ->
    'March fourth, twenty twenty-five': each said the way it is written."""
    month, day, year_ = MONTHS.index(m["month"] or m["month2"]) + 1, int(m["d"] or m["d2"]), m["y"] or m["y2"]
    try:
        date(int(year_ or 2000), month, day)       # 2000: a leap year, so "29 February" stands alone
    except ValueError:
        return m[0]
    if m["d"]:
        return (m["the"] or "the ") + _day_first_said(day, month, year_)
    return _month_first(month, day, year_)


def _day_first_said(day: int, month: int, year_: str | None) -> str:
    return f"{num2words(day, to='ordinal')} of {MONTHS[month - 1]}" + (f", {year(year_)}" if year_ else "")


def _month_first(month: int, day: int, year_: str | None) -> str:
    return f"{MONTHS[month - 1]} {num2words(day, to='ordinal')}" + (f", {year(year_)}" if year_ else "")


def _time(m: re.Match) -> str:
    hour, minute, half = int(m["h"]), int(m["min"] or 0), (m["half"] or "").lower()
    if hour > 23 or minute > 59 or (half and not 1 <= hour <= 12):
        return m[0]
    if hour == 12 and not minute and half:
        return "noon" if half == "p" else "midnight"     # "12pm" is read wrong as often as right
    if hour == 0 and not half:
        return "midnight" if not minute else _time_said(12, minute, "a")    # 00:30 is half past midnight
    if not minute and not half and re.match(r"\s+(?:noon|midday|midnight)\b", m.string[m.end():]):
        return words(str(hour))                          # "12:00 noon": "twelve noon"
    return _time_said(hour, minute, half)


def _time_said(hour: int, minute: int, half: str) -> str:
    said = words(str(hour))
    if minute:
        said += f" oh {words(str(minute))}" if minute < 10 else f" {words(str(minute))}"
    elif not half:
        said += " o'clock" if hour <= 12 else " hundred"
    return said + (f" {half.upper()}-M" if half else "")


def _duration(m: re.Match) -> str:
    """'2h 15m' -> 'two hours fifteen minutes'; '90min' -> 'ninety minutes'. A lone 'm' stays: meters,
    millions or minutes; after hours it can only be minutes."""
    parts = [(m["h"], "hour"), (m["min"] or m["min2"], "minute"), (m["sec"], "second")]
    return " ".join(f"{words(n.lstrip('0') or '0')} {name if n.lstrip('0') == '1' else name + 's'}"
                    for n, name in parts if n)


def _phone(m: re.Match) -> str:
    """Digit by digit, grouped as written: '0800 123 4567' -> 'oh eight hundred, one two three, four five six
    seven'. Only what looks like a phone number: 9 to 15 digits with a leading 0, + or (area code), or the
    North American 3-3-4; '100 000 000' or '2019 2020 2021' are numbers."""
    text, digits = m[0], re.sub(r"\D", "", m[0])
    groups = re.findall(r"\d+", text)
    north_american = [len(g) for g in groups] in ([3, 3, 4], [1, 3, 3, 4])
    if not 9 <= len(digits) <= 15 or not (text[0] in "+(" or digits[0] == "0" or north_american):
        return text
    if "." in text and len(groups) < 3:        # 0.123456789 is a decimal
        return text
    said = ", ".join(_phone_group(g) for g in groups)
    return ("plus " if text[0] == "+" else "") + said


def _phone_group(group: str) -> str:
    if re.fullmatch(r"0?[1-9]00", group):     # 0800, 1-800: "oh eight hundred", as the adverts say it
        return ("oh " if group[0] == "0" else "") + words(group.lstrip("0"))
    return " ".join("oh" if d == "0" else words(d) for d in group)


def _version(m: re.Match) -> str:
    """'v2.1' -> 'version two point one'; 'Python 3.11' -> 'Python three point eleven' (3.11 follows 3.10,
    so its parts are numbers, not decimals)."""
    name = "version " if m["name"] == "v" else m["name"]
    return name + " point ".join(_part(p) for p in m["v"].split("."))


def _part(digits: str) -> str:
    return " ".join("oh" if d == "0" else words(d) for d in digits) if digits[0] == "0" else words(digits)


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

    def span(m: re.Match) -> str:
        """'2020-2024' -> 'twenty twenty to twenty twenty-four'; '3-1' -> 'three to one' (a score, read
        as the US says it); '10-20 km' -> 'ten to twenty kilometers'."""
        said = f"{_cardinal_or_year(re.match(NUMBER, m['n1']))} to {_cardinal_or_year(re.match(NUMBER, m['n']))}"
        return f"{said} {lexicon.units[m['unit']][1]}" if m["unit"] else said

    def acronym(m: re.Match) -> str:
        letters, plural = m["letters"], m["s"]
        if letters in lexicon.word_acronyms or re.fullmatch(r"[IVX]+", letters):   # World War II
            return m[0]
        return _spell(letters) + ("'s" if plural else "")

    return [
        (re.compile(rf"(?<![\w.])(?:{entries})(?![\w])" if said else r"(?!)"), lambda m: lexicon.say[m[0]]),
        (URL, _url),
        (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso_date),
        (re.compile(NUMERIC_DATE), _numeric_date),
        (re.compile(rf"(?P<the>\b[Tt]he\s+)?\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<month>{MONTH})\b"
                    rf"(?:,?\s+(?P<y>\d{{4}})\b(?![.,]?\d))?"
                    rf"|\b(?P<month2>{MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}})\b)?(?![.,:]?\d)"),
         _written_date),
        (re.compile(EMERGENCY), lambda m: m["verb"] + _phone_group(m["n"])),     # "call 911": nine one one
        (re.compile(PHONE), _phone),
        (re.compile(r"\b(?P<h>\d{1,2}):(?P<min>\d{2}):(?P<sec>\d{2})\b(?P<min2>)(?P<half>)"),
         lambda m: _time(m) if m["sec"] == "00" else _duration(m)),     # a race, 2:01:09; a clock, 14:30:00
        (re.compile(rf"\b(?P<h>\d{{1,2}}):(?P<min>\d{{2}})(?![\d:])(?:\s*{HALF})?", re.I), _time),    # 10:30pm
        (re.compile(rf"\b(?P<h>\d{{1,2}})\.(?P<min>\d{{2}})\s*{HALF}", re.I), _time),     # 10.30pm, as the UK writes it
        (re.compile(rf"\b(?P<h>\d{{1,2}})(?P<min>)\s*{HALF}", re.I), _time),
        (re.compile(r"(?<![\w.])(?:(?P<h>\d+(?:\.\d+)?)\s?(?:h|hrs?)(?![a-zA-Z])(?:\s?(?P<min>\d{1,2})(?!\d)"
                    r"(?:\s?(?:m|mins?)\b)?)?|(?P<min2>\d+(?:\.\d+)?)\s?mins?\b|(?P<sec>\d+(?:\.\d+)?)\s?secs?\b)"),
         _duration),
        (re.compile(VERSION + rf"(?!\s?(?:%|(?:per\s?cent|percent|points?|bn|tn|mn|{units})(?!\w)))"), _version),
        (re.compile(rf"(?:US|A|C|NZ|HK)?(?P<cur>[$£€¥₹])\s?(?P<amount>{NUMBER})"
                    rf"(?:\s?(?P<scale>k|mn|m|bn|b|tn|thousand|million|billion|trillion)\b)?", re.I), _money),
        (re.compile(r"(?<![\w.])(?P<n>\d{1,2}(?:\.\d+)?)p\b"),     # 40p; not 720p or 1080p, which are screens
         lambda m: f"{words(m['n'])} {'penny' if m['n'] == '1' else 'pence'}"),
        (re.compile(rf"(?P<n>{NUMBER})\s?(?P<scale>bn|tn)\b"), lambda m: f"{words(m['n'])} {SCALES[m['scale']]}"),
        (re.compile(rf"(?<![\w.,])(?P<n1>{NUMBER})\s?[-–]\s?(?P<n>{NUMBER})(?!\.?\d)(?:\s?(?P<unit>{units})(?![\w/]))?"),
         span),
        (re.compile(rf"(?<![\w.])(?P<sign>[-−+])?(?P<n>{NUMBER})\s?%"),
         lambda m: {"+": "plus ", None: ""}.get(m["sign"], "minus ") + words(m["n"]) + " percent"),
        (re.compile(r"(?<!\w)['’]?(?P<century>1[1-9]|20)?(?P<decade>\d0)['’]?s\b"), _decade),
        (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), lambda m: num2words(int(m[1]), to="ordinal")),
        (re.compile(r"(?:№|\bNo\.)\s?(\d+)"), lambda m: f"number {words(m[1])}"),
        (re.compile(rf"(?<![\w.])[-−](?={NUMBER})"), "minus "),     # before units: -5°C is minus five degrees
        (re.compile(rf"(?<![\w.+])\+(?={NUMBER})"), "plus "),
        (re.compile(rf"(?<![\w.])(?P<n>{NUMBER})\s?(?P<unit>{units})(?![\w/])"), unit),
        (re.compile(r"(?<=[A-Za-z])-(?=\d)"), " "),                     # COVID-19, GPT-4
        (re.compile(NUMBER), lambda m: f" {_cardinal_or_year(m)} "),     # "3D" -> "three D"
        (re.compile(r"%"), " percent"),
        (re.compile(LETTERS_SAID_AS_WORDS + r"(?=(\s+[A-Z]|\s*$)?)"),
         lambda m: _spell(m[0].replace(".", "")) + ("." if m[1] is not None else "")),
        (re.compile(r"\b(?P<letters>[A-Z]{2,5})(?P<s>s)?\b"), acronym),
    ]
