"""The listener's profile: a TOML file of feeds, interests, exclusions and defaults for `daily`.

Override order: a command-line flag, then the profile, then podcaster's defaults. The profile is
checked whole when it is read: a syntax error names the line and column, an unknown key the nearest
valid one, a wrong value what was expected.
"""
from __future__ import annotations

import difflib
import math
import re
import shutil
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from xml.etree import ElementTree

from .config import EpisodeOptions, bundled_voices_dir, default_profile_path, parse_duration
from .errors import ProfileError, UsageError
from .files import MB, other_kind, read_capped
from .podcast_feed import APPLE_CATEGORIES
from .types import FetchLimits, Preferences, Show

NUMBER = (int, float)
# key -> (accepted types, what to say when it is wrong)
KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "feeds": ((list,), "a list of feed URLs or files"),
    "feeds_file": ((str,), "a path to a feeds list"),
    "hosts": ((list,), "a list of two voice presets, like [\"ava\", \"kai\"]"),
    "style": ((str,), "a style preset name"),
    "minutes": (NUMBER, "a number of minutes"),
    "output_dir": ((str,), "a folder path"),
    "keep": ((int,), "a whole number of episodes, 1 or more"),
    "since": ((str,), "a duration like \"24h\" or \"2d\""),
    "llm": ((str,), "a Hugging Face id, folder or .gguf path"),
    "tts": ((str,), "a Hugging Face id, folder or .onnx path"),
    "runtime": ((str,), "auto, torch or onnx"),
    "device": ((str,), "auto, cpu or cuda"),
    "seed": ((int,), "a whole number"),
    "base_url": ((str,), "an http(s) URL"),
    "artwork": ((str,), "a path to a PNG or JPEG"),
    "sting": ((str,), "a path to an audio file"),
    "bed": ((str,), "a path to an audio file"),
    "interests": ((dict,), "a table of topic or keyword = weight"),
    "sources": ((dict,), "a table of source = weight"),
    "exclude": ((dict,), "a table with topics, keywords and sources lists"),
    "topics": ((dict,), "a table of topic = [keywords]"),
    "fetch": ((dict,), "a table of limits on fetching feeds (connect_s, read_s, total_s, max_mb, ...)"),
    "lexicon": ((dict,), 'a table of written = spoken, e.g. "Nguyen" = "Win"'),
    "show": ((dict,), "a table of the show's name, description, author, language, category and explicit"),
}
# [show]: the longest each text may be (Apple's limit for a description; a name is said in every opening)
SHOW_TEXT_MAX = {"name": 100, "description": 4000, "author": 200}
# a BCP 47 language tag: a language, then a script, region or variant ("en", "en-GB", "en-Latn-US")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# the largest sane value of each [fetch] limit (others: a million): inf, nan and 1e300 are refused
FETCH_MAX = {"connect_s": 600, "read_s": 600, "total_s": 3600, "max_mb": 1024, "max_redirects": 30}
WEIGHT_MAX = 1000         # an interest or source weight, either way
PROFILE_MAX = 10 * MB     # thousands of feeds fit in well under 1 MB
OPML_MAX = 10 * MB
EXCLUDE_KEYS = ("topics", "keywords", "sources")
PATH_KEYS = ("feeds_file", "output_dir", "artwork", "sting", "bed")


@dataclass
class Profile:
    path: Path | None                       # None: no profile file, defaults only
    options: dict = field(default_factory=dict)   # EpisodeOptions field -> value, only those the file sets
    feeds: list[tuple[str, str]] = field(default_factory=list)   # (URL or file, title or "")
    prefs: Preferences = field(default_factory=Preferences)
    topics: dict[str, list[str]] = field(default_factory=dict)


def starter_profile() -> str:
    return (bundled_voices_dir() / "starter-profile.toml").read_text(encoding="utf-8")


def _nearest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"


def _profile_text(path: Path) -> str:
    try:
        return read_capped(path, PROFILE_MAX, "profile", ProfileError).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProfileError(f"cannot read profile {path} ({e}); it must be UTF-8 text") from None


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(_profile_text(path))
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        message = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message)
        place = f"line {where[1]}, column {where[2]}" if where else "end of file"
        raise ProfileError(f"{path}, {place}: not valid TOML: {message[0].lower()}{message[1:]}") from None


def _check(path: Path, key: str, value, kinds: tuple[type, ...], expected: str):
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ProfileError(f"{path}: {key!r} must be {expected} (got {value!r})")
    return value


def _strings(path: Path, key: str, value) -> list[str]:
    _check(path, key, value, (list,), "a list of strings")
    if not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{path}: {key!r} must be a list of strings (got {value!r})")
    return value


def _weights(path: Path, key: str, table: dict) -> dict[str, float]:
    """Each a number within WEIGHT_MAX: nan, inf (or 1e300, times a score) would make scores nan or inf."""
    weights = {name: float(_check(path, f"{key}.{name}", w, NUMBER, "a number (a weight)"))
               for name, w in table.items()}
    for name, weight in weights.items():
        if not (math.isfinite(weight) and abs(weight) <= WEIGHT_MAX):
            raise ProfileError(f"{path}: '{key}.{name}' must be a number from -{WEIGHT_MAX} to {WEIGHT_MAX}, "
                               f"like 1.5 (got {weight!r})")
    return weights


def _fetch_limits(path: Path, table: dict) -> FetchLimits:
    """[fetch]: any of FetchLimits' fields, each a positive finite number (whole for counts) or,
    for local_links, true or false."""
    kinds = {f.name: f.type for f in fields(FetchLimits)}   # 'float', 'int' or 'bool' (annotations, as text)
    for key, value in table.items():
        if key not in kinds:
            raise ProfileError(f"{path}: unknown key 'fetch.{key}'{_nearest(key, list(kinds))}")
        if kinds[key] == "bool":
            if not isinstance(value, bool):
                raise ProfileError(f"{path}: 'fetch.{key}' must be true or false (got {value!r})")
            continue
        whole = kinds[key] == "int"
        _check(path, f"fetch.{key}", value, (int,) if whole else NUMBER,
               "a whole number, 1 or more" if whole else "a number above 0")
        if not 0 < value <= FETCH_MAX.get(key, 10**6):
            raise ProfileError(f"{path}: 'fetch.{key}' must be above 0 and at most "
                               f"{FETCH_MAX.get(key, 10**6):g} (got {value!r})")
    return FetchLimits(**table)


def _show(path: Path, table: dict) -> Show:
    """[show]: the show's identity, each key checked (Show's fields; the rest keep their defaults)."""
    valid = [f.name for f in fields(Show)]
    for key in table:
        if key not in valid:
            raise ProfileError(f"{path}: unknown key 'show.{key}'{_nearest(key, valid)}")
    values = {key: _show_text(path, key, table[key]) for key in SHOW_TEXT_MAX if key in table}
    if "language" in table:
        values["language"] = _language(path, table["language"])
    if "category" in table:
        values["category"] = _category(path, table["category"])
    if "explicit" in table:
        if not isinstance(table["explicit"], bool):
            raise ProfileError(f"{path}: 'show.explicit' must be true or false (got {table['explicit']!r})")
        values["explicit"] = table["explicit"]
    return Show(**values)


def _show_text(path: Path, key: str, value) -> str:
    """A [show] text, as it goes into prompts, tags and XML: no control or invisible characters; the
    description keeps its line breaks, the others are one line."""
    _check(path, f"show.{key}", value, (str,), "text")
    value = value.replace("\r\n", "\n").replace("\t", " ").replace("\r", " ")   # spacing, not control
    kept = "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf") or c == "\n")
    text = "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip() if key == "description" \
        else " ".join(kept.split())
    if not text and key != "author":
        raise ProfileError(f"{path}: 'show.{key}' is empty; write the show's {key}, or leave the key out "
                           f"for podcaster's own")
    if len(text) > SHOW_TEXT_MAX[key]:
        raise ProfileError(f"{path}: 'show.{key}' is {len(text)} characters long; the most is "
                           f"{SHOW_TEXT_MAX[key]}")
    return text


def _language(path: Path, value) -> str:
    """A BCP 47 tag of English: the script is written, and the hosts speak, in English only."""
    _check(path, "show.language", value, (str,), 'a language tag like "en" or "en-GB"')
    if not LANGUAGE_TAG.fullmatch(value):
        raise ProfileError(f"{path}: 'show.language' must be a language tag like \"en\" or \"en-GB\" "
                           f"(got {value!r})")
    if value.split("-")[0].lower() != "en":
        raise ProfileError(f"{path}: 'show.language' is {value!r}, but the script and the voices are English "
                           f"only; write \"en\" (or \"en-US\", \"en-GB\", ...)")
    return value


def _category(path: Path, value) -> str:
    """An Apple Podcasts category, or "Category/Subcategory", in any case: spelled as Apple does."""
    _check(path, "show.category", value, (str,), 'an Apple Podcasts category like "News" or "News/Daily News"')
    top, _, sub = (part.strip() for part in value.partition("/"))
    spelled = {name.casefold(): name for name in APPLE_CATEGORIES}
    if top.casefold() not in spelled:
        raise ProfileError(f"{path}: 'show.category' {value!r} is not an Apple Podcasts category (podcast "
                           f"apps refuse unknown ones){_nearest_in(top, list(APPLE_CATEGORIES))}")
    top = spelled[top.casefold()]
    subs = {name.casefold(): name for name in APPLE_CATEGORIES[top]}
    if not sub and "/" not in value:
        return top
    if sub.casefold() not in subs:
        choices = f"write {top}/ and one of: {', '.join(APPLE_CATEGORIES[top])}" if subs else \
            f"it has none; write \"{top}\""
        raise ProfileError(f"{path}: 'show.category' {value!r}: {sub!r} is not an Apple Podcasts subcategory of "
                           f"{top} (podcast apps refuse unknown ones); {choices}")
    return f"{top}/{subs[sub.casefold()]}"


def _nearest_in(name: str, valid: list[str]) -> str:
    """'; did you mean ...?' for a category (any case), or the whole list."""
    close = difflib.get_close_matches(name.casefold(), [v.casefold() for v in valid], n=1, cutoff=0.5)
    spelled = {v.casefold(): v for v in valid}
    return f"; did you mean {spelled[close[0]]!r}?" if close else f"; write one of: {', '.join(valid)}"


def _resolve(path: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else path.parent / p


def load_profile(path: Path | None = None, required: bool = False) -> Profile:
    """Read and check the profile at path (default: default_profile_path()). A missing default profile
    is no error: the defaults apply. A missing file named by the user is (required=True)."""
    path = path or default_profile_path()
    other = other_kind(path)
    if other:
        raise ProfileError(f"profile {path} is {other}, not a file; pass --config with a profile .toml file")
    if not path.is_file():
        if required:
            raise ProfileError(f"profile {path} does not exist; `podcaster init` writes a starter profile")
        return Profile(None)
    data = _read_toml(path)
    for key, value in data.items():
        if key not in KEYS:
            raise ProfileError(f"{path}: unknown key {key!r}{_nearest(key, list(KEYS))}")
        _check(path, key, value, *KEYS[key])
    options: dict = {}
    for key in ("style", "llm", "tts", "runtime", "device", "base_url", "since", "seed", "keep", "minutes"):
        if key in data:
            options[key] = data[key]
    if "since" in data:
        try:
            options["since"] = parse_duration(data["since"])
        except UsageError:
            raise ProfileError(f"{path}: 'since' must be {KEYS['since'][1]} (got {data['since']!r})") from None
    for key in PATH_KEYS:
        if key in data:
            options["out" if key == "output_dir" else "feeds" if key == "feeds_file" else key] = \
                _resolve(path, data[key])
    if "hosts" in data:
        hosts = _strings(path, "hosts", data["hosts"])
        if len(hosts) != 2:
            raise ProfileError(f"{path}: 'hosts' must be {KEYS['hosts'][1]} (got {hosts!r})")
        options["host_a"], options["host_b"] = hosts
    exclude = data.get("exclude", {})
    for key in exclude:
        if key not in EXCLUDE_KEYS:
            raise ProfileError(f"{path}: unknown key 'exclude.{key}'{_nearest(key, list(EXCLUDE_KEYS))}")
    excluded = {k: tuple(_strings(path, f"exclude.{k}", exclude.get(k, []))) for k in EXCLUDE_KEYS}
    topics = {name.casefold(): _strings(path, f"topics.{name}", words)
              for name, words in data.get("topics", {}).items()}
    prefs = Preferences(interests=_weights(path, "interests", data.get("interests", {})),
                        source_weights=_weights(path, "sources", data.get("sources", {})),
                        exclude_topics=excluded["topics"], exclude_keywords=excluded["keywords"],
                        exclude_sources=excluded["sources"])
    feeds = [_feed_location(path, entry) for entry in data.get("feeds", [])]
    if "fetch" in data:
        options["fetch"] = _fetch_limits(path, data["fetch"])
    for written, spoken in data.get("lexicon", {}).items():
        if not isinstance(spoken, str) or not spoken.strip() or not written.strip():
            raise ProfileError(f"{path}: 'lexicon.{written}' must be what to say instead, as text (got {spoken!r})")
    if "lexicon" in data:
        options["lexicon"] = dict(data["lexicon"])
    if "show" in data:
        options["show"] = _show(path, data["show"])
    _check_values(path, options)
    return Profile(path, options, feeds, prefs, topics)


def _check_values(path: Path, options: dict) -> None:
    """The checks the flags get (ranges, choices), reported as the profile's keys."""
    try:
        EpisodeOptions(**options).validate()
    except UsageError as e:
        names = {"host-a and --host-b": "hosts"}
        message = re.sub(r"--(host-a and --host-b|[a-z-]+)",
                         lambda m: repr(names.get(m[1], m[1].replace("-", "_"))), str(e))
        raise ProfileError(f"{path}: {message}") from None


def _feed_location(path: Path, entry) -> tuple[str, str]:
    """A feeds entry: a URL or file as a string, or a table {url = "...", title = "..."}."""
    title = ""
    if isinstance(entry, dict) and isinstance(entry.get("url"), str):
        entry, title = entry["url"], str(entry.get("title", ""))
    if not isinstance(entry, str) or not entry.strip():
        raise ProfileError(f"{path}: each of 'feeds' must be a URL or file, or {{url = \"...\"}} (got {entry!r})")
    if re.match(r"^https?://", entry, re.I):
        return entry, title
    return str(_resolve(path, entry)), title


def episode_options(profile: Profile, **flags) -> EpisodeOptions:
    """Flags (those not None) over the profile over the defaults. --feeds replaces the profile's feeds."""
    values = {**profile.options, **{k: v for k, v in flags.items() if v is not None}}
    feed_list = () if flags.get("feeds") is not None else tuple(loc for loc, _ in profile.feeds)
    return EpisodeOptions(**values, feed_list=feed_list, prefs=profile.prefs, topics=profile.topics)


def write_starter(path: Path, overwrite: bool = False) -> Path:
    """`podcaster init`: the commented starter profile, never over an existing one unless asked."""
    from .publish import write_text
    if path.exists() and not overwrite:
        raise ProfileError(f"profile {path} already exists; edit it, or pass --force to start over")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            shutil.copyfile(path, path.with_name(path.name + ".bak"))
    except OSError as e:
        raise ProfileError(f"cannot write in {path.parent} ({e.strerror or e}); pass --config with a file "
                           f"you can write") from None
    return write_text(path, starter_profile())


# ---- subscriptions (OPML) --------------------------------------------------

def read_opml(path: Path) -> list[tuple[str, str]]:
    """(url, title) of every feed in an OPML subscription list, nested folders included, each once."""
    import listparser
    data = read_capped(path, OPML_MAX, "OPML file", ProfileError)
    try:    # listparser forgives a truncated file; a half-exported list should not pass as whole
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as e:
        line, column = e.position
        raise ProfileError(f"{path}, line {line}, column {column}: not well-formed XML, so not an OPML "
                           f"subscription list; export it again from your feed reader") from None
    if root.tag.lower() != "opml":
        raise ProfileError(f"{path} is not an OPML subscription list (its root element is <{root.tag}>, "
                           f"not <opml>); export one from your feed reader")
    parsed = listparser.parse(data)
    feeds = {}
    for feed in parsed.feeds:
        url = (feed.get("url") or "").strip()
        if re.match(r"^https?://", url, re.I):
            feeds.setdefault(url, feed.get("title") or url)
    if not feeds:
        raise ProfileError(f"{path} is OPML but lists no http(s) feeds")
    return list(feeds.items())


def add_feeds(path: Path, feeds: list[tuple[str, str]]) -> tuple[int, int]:
    """Add feeds to the profile at path (created from the starter if missing), keeping its comments.
    Returns (added, already there)."""
    import tomlkit

    from .publish import write_text
    if not path.exists():
        write_starter(path)
    load_profile(path, required=True)      # a broken profile is reported, not overwritten
    document = tomlkit.parse(_profile_text(path))
    if "feeds" not in document:
        document["feeds"] = tomlkit.array()
    array = document["feeds"]
    have = {(e["url"] if isinstance(e, dict) else str(e)) for e in array}
    added = 0
    for url, title in feeds:
        if url in have:
            continue
        table = tomlkit.inline_table()
        table.update({"url": url, "title": title})
        array.add_line(table)
        have.add(url)
        added += 1
    if added:
        write_text(path, tomlkit.dumps(document))
    return added, len(feeds) - added
