"""Which news makes today's show: recent stories, grouped into clusters, ranked for this listener.

Clustering is lexical, so it needs no model: TF-IDF over each story's title (counted twice) and
opening text, words stemmed (Snowball) and English stop words dropped; stories whose average-linkage
cosine similarity is at least SIMILARITY form one cluster. The same method matches a cluster against
the stories earlier episodes covered (from memory), so covered news never comes back unless it has
new reporting, and then as an update.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from .types import Cluster, Covered, Preferences, Story
from .words import content_stems, stems

FALLBACK_COUNT = 5      # when nothing is inside the window, the newest few
MAX_FUTURE = timedelta(hours=1)
SIMILARITY = 0.3        # cosine similarity at which two reports are the same news (tuned on tests/fixtures/days)
TEXT_CHARS = 1500       # of a story's body used for clustering and matching
SOURCE_BONUS = 0.5      # per extra source reporting the same news
REPEAT_PENALTY = 0.8    # per story already chosen from the same feed, so no feed crowds out the rest


def recent_stories(stories: list[Story], now: datetime, since: timedelta, fallback: bool = True) -> list[Story]:
    """Stories published in [now - since, now], newest first; if none, the newest few (with fallback:
    a first run makes a show from what the feeds hold; later runs wait for news)."""
    dated = sorted((s for s in stories if s.published and s.published <= now + MAX_FUTURE),
                   key=lambda s: s.published, reverse=True)
    window = [s for s in dated if now - since <= s.published]
    if window or not fallback:
        return window
    # a date far ahead is a broken clock, not news from the future: such stories count as undated
    undated = [s for s in stories if not s.published or s.published > now + MAX_FUTURE]
    return (dated + undated)[:FALLBACK_COUNT]


def story_count(total_words: int, words_per_story: int, opening_words: int) -> int:
    """How many stories fit in the word budget once the opening and sign-off are paid for."""
    return max(1, round((total_words - 2 * opening_words) / words_per_story))


# ---- words -----------------------------------------------------------------

@lru_cache(maxsize=4096)
def _phrase(term: str) -> str:
    """A term or topic keyword as space-padded stems, stemmed once however many stories it is matched in."""
    words = stems(term)
    return f" {' '.join(words)} " if words else ""


def _phrase_in(phrase: str, words: str) -> bool:
    return bool(phrase) and phrase in words


@lru_cache(maxsize=4096)
def _story_words(story: Story) -> tuple[str, str]:
    """A story's title and title + text as space-padded stems, once per story however many terms are matched."""
    title = f" {' '.join(stems(story.title))} "
    return title, f"{title}{' '.join(stems(story.body[:TEXT_CHARS]))} "


def _matches(term: str, story: Story, topics: dict[str, list[str]]) -> tuple[bool, bool]:
    """(in the title, at all) for a keyword or a topic. A topic stands for its keywords and needs its own
    name or two different keywords: one "goal" does not make a climate story sport."""
    title, text = _story_words(story)
    keywords = [_phrase(k) for k in topics.get(term.casefold(), [])]
    named = _phrase_in(_phrase(term), text)
    hits = [k for k in keywords if _phrase_in(k, text)]
    in_title = any(_phrase_in(p, title) for p in [_phrase(term), *hits])
    return in_title, named or len(hits) >= 2


def excluded_by(story: Story, prefs: Preferences, topics: dict[str, list[str]]) -> str | None:
    """Why the listener never wants this story, or None."""
    where = f"{story.source} {story.link}".casefold()
    for source in prefs.exclude_sources:
        if source.casefold() in where:
            return f"source {source!r}"
    for term in (*prefs.exclude_topics, *prefs.exclude_keywords):
        if _matches(term, story, topics)[1]:
            return f"{'topic' if term in prefs.exclude_topics else 'keyword'} {term!r}"
    return None


# ---- clusters --------------------------------------------------------------

def _similarity(stories: list[Story]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    docs = [f"{s.title} {s.title} {s.body[:TEXT_CHARS]}" for s in stories]
    vectors = TfidfVectorizer(analyzer=content_stems, sublinear_tf=True).fit_transform(docs)
    return (vectors @ vectors.T).toarray()


def group_similar(stories: list[Story], threshold: float = SIMILARITY) -> list[list[int]]:
    """Indexes of stories grouped by the news they report (average-linkage clustering)."""
    if len(stories) < 2:
        return [[i] for i in range(len(stories))]
    from sklearn.cluster import AgglomerativeClustering
    similarity = _similarity(stories)
    if not similarity.any():
        return [[i] for i in range(len(stories))]
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=1 - threshold).fit_predict(np.clip(1 - similarity, 0, 2))
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    return list(groups.values())


def _newest_first(stories: list[Story]) -> list[Story]:
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(stories, key=lambda s: (s.published or oldest, len(s.body)), reverse=True)


def _cluster_id(story: Story) -> str:
    return hashlib.sha1(f"cluster\n{story.id}".encode()).hexdigest()[:16]


# ---- ranking ---------------------------------------------------------------

def _score(stories: list[Story], prefs: Preferences, topics: dict[str, list[str]],
           now: datetime) -> tuple[float, list[str]]:
    reasons, interest = [], 0.0
    for term, weight in prefs.interests.items():
        in_title, anywhere = (False, False)
        for story in stories:
            t, a = _matches(term, story, topics)
            in_title, anywhere = in_title or t, anywhere or a
        if anywhere:
            interest += weight * (2 if in_title else 1)
            reasons.append(f"{term} ({weight:+g}{', in title' if in_title else ''})")
    newest = max((s.published for s in stories if s.published), default=None)
    if newest:
        hours = max(0.0, (now - newest).total_seconds() / 3600)
        recency = 0.5 ** (hours / 24)
        reasons.append(f"{hours:.0f} h old")
    else:
        recency = 0.25
    sources = len({s.source for s in stories})
    if sources > 1:
        reasons.append(f"{sources} sources")
    weight = max(_source_weight(s, prefs) for s in stories)
    if weight != 1:
        reasons.append(f"source weight {weight:g}")
    return (1 + interest + recency + SOURCE_BONUS * (sources - 1)) * weight, reasons


def _source_weight(story: Story, prefs: Preferences) -> float:
    where = f"{story.source} {story.link}".casefold()
    weights = [w for name, w in prefs.source_weights.items() if name.casefold() in where]
    return max(weights, default=1.0)


def rank_clusters(candidates: list[Story], prefs: Preferences, topics: dict[str, list[str]], now: datetime,
                  covered: list[Covered] = ()) -> tuple[list[Cluster], dict[str, str]]:
    """Today's news as clusters, best first; and the stories left out, with why (story id -> reason).

    A cluster whose stories were all told before is left out; one that also has new reporting
    becomes an update of the earlier segment, citing only the new stories.
    """
    covered_ids = {c.story.id: c for c in covered}
    left_out: dict[str, str] = {}
    fresh = []
    for story in candidates:
        reason = "covered on " + covered_ids[story.id].date if story.id in covered_ids else \
            excluded_by(story, prefs, topics)
        if reason:
            left_out[story.id] = reason
        else:
            fresh.append(story)
    pool = fresh + [c.story for c in covered]
    clusters = []
    for group in group_similar(pool):
        new = _newest_first([pool[i] for i in group if i < len(fresh)])
        before = [covered[i - len(fresh)] for i in group if i >= len(fresh)]
        if not new:
            continue
        score, reasons = _score(new, prefs, topics, now)
        if before:
            last = max(before, key=lambda c: c.date)
            previously = "; ".join(dict.fromkeys(c.story.title for c in before if c.date == last.date))
            clusters.append(Cluster(_cluster_id(new[0]), tuple(new), score, (f"update of {last.date}", *reasons),
                                    update_of=last.date, previously=previously))
        else:
            clusters.append(Cluster(_cluster_id(new[0]), tuple(new), score, tuple(reasons)))
    return sorted(clusters, key=lambda c: -c.score), left_out


def choose_clusters(ranked: list[Cluster], count: int) -> list[Cluster]:
    """The best count clusters, a feed's score lowered a little for each story already taken from it."""
    remaining, chosen, taken = list(ranked), [], {}
    while remaining and len(chosen) < count:
        def effective(c: Cluster) -> float:
            return c.score * REPEAT_PENALTY ** min(taken.get(s, 0) for s in c.sources)
        best = max(remaining, key=effective)
        remaining.remove(best)
        chosen.append(best)
        for source in best.sources:
            taken[source] = taken.get(source, 0) + 1
    return chosen

