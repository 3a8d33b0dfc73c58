"""Words as the checks compare them: Snowball stems, with English stop words set apart.

One helper for selection (interests, exclusions, clusters) and for the writer's support check, so
'Elections' matches 'election' the same way everywhere.
"""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer
    return snowballstemmer.stemmer("english")


def stems(text: str) -> list[str]:
    """Lower-cased word stems: 'Elections' and 'election' match."""
    return _stemmer().stemWords(re.findall(r"[^\W_]+", text.casefold()))


@lru_cache(maxsize=1)
def stop_stems() -> frozenset[str]:
    """The stems of English stop words (scikit-learn's list): words that carry no content."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    return frozenset(stems(" ".join(ENGLISH_STOP_WORDS)))


def content_stems(text: str) -> list[str]:
    """The stems of text's content words: no stop words, no single letters."""
    stop = stop_stems()
    return [w for w in stems(text) if w not in stop and len(w) > 1]
