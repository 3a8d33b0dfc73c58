"""Check the faithfulness fixtures: feeds parse, dates lie in the window, counts hold, and every
labelled claim points at an article with full text.  Run: python benchmarks/faithfulness/check_fixtures.py"""
from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
START, END = "Mon, 30 Nov 2026 06:00:00 GMT", "Tue, 01 Dec 2026 20:00:00 GMT"
LABELS = {"true": 2, "invented": 1, "inverted": 1, "padding": 1, "participant": 1}
TOPIC = {"city-desk": "local", "science-wire": "science", "business-daily": "business",
         "health-report": "health", "sports-roundup": "sports", "world-brief": "world/politics"}
TECHNOLOGY = {"https://example.org/business-daily/telvo-data-breach",
              "https://example.org/world-brief/school-phone-ban"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return re.sub(r"\s+", " ", " ".join(p.parts)).strip()


def main() -> int:
    errors: list[str] = []
    start, end = parsedate_to_datetime(START), parsedate_to_datetime(END)
    files = [line.strip() for line in (HERE / "feeds.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    items: dict[str, dict] = {}
    topics: set[str] = set()
    for name in files:
        channel = ET.parse(HERE / name).getroot().find("channel")
        feed = Path(name).stem
        counts = Counter()
        for item in channel.findall("item"):
            link = item.findtext("link")
            if not link.startswith(f"https://example.org/{feed}/"):
                errors.append(f"{link}: not under https://example.org/{feed}/")
            for tag in ("title", "guid", "pubDate", "description"):
                if not (item.findtext(tag) or "").strip():
                    errors.append(f"{link}: no {tag}")
            when = parsedate_to_datetime(item.findtext("pubDate"))
            if not start <= when <= end:
                errors.append(f"{link}: pubDate {when} outside the window")
            body = item.findtext(CONTENT)
            items[link] = {"feed": feed, "title": item.findtext("title"),
                           "body": text(body) if body else "", "teaser": body is None,
                           "summary": text(item.findtext("description"))}
            topics.add(TOPIC[feed])
            if link in TECHNOLOGY:
                topics.add("technology")
            counts["teaser" if body is None else "full"] += 1
        print(f"{name:28s} {sum(counts.values())} items ({counts['full']} full, {counts['teaser']} teaser)")
    if len(items) < 24:
        errors.append(f"only {len(items)} items")
    if len(topics) < 6:
        errors.append(f"only {len(topics)} topics")

    claims = json.loads((HERE / "claims.json").read_text(encoding="utf-8"))
    per_article: dict[str, Counter] = {}
    for c in claims:
        link, sentence, label = c["link"], c["sentence"], c["label"]
        if link not in items:
            errors.append(f"claim for unknown link {link}")
            continue
        if items[link]["teaser"]:
            errors.append(f"claim for teaser {link}")
        if label not in LABELS:
            errors.append(f"bad label {label!r}")
        words = len(sentence.split())
        if not 8 <= words <= 30 or sentence.rstrip().endswith("?"):
            errors.append(f"{sentence!r}: {words} words or a question")
        if sentence.rstrip(".") in items[link]["body"]:
            errors.append(f"{sentence!r}: copied verbatim from the article")
        per_article.setdefault(link, Counter())[label] += 1
    for link, counts in per_article.items():
        if counts != Counter(LABELS):
            errors.append(f"{link}: labels {dict(counts)}")
    if len(per_article) < 16:
        errors.append(f"only {len(per_article)} labelled articles")

    words = {link: len(i["body"].split()) for link, i in items.items() if not i["teaser"]}
    print(f"{len(items)} items, {sum(i['teaser'] for i in items.values())} teasers, "
          f"topics: {', '.join(sorted(topics))}")
    print(f"article words: min {min(words.values())}, max {max(words.values())}, "
          f"500+ words: {sum(w >= 500 for w in words.values())}")
    print(f"{len(claims)} claims on {len(per_article)} articles: {dict(Counter(c['label'] for c in claims))}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
