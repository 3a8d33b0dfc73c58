"""Options for a run, where things live, and the presets in voices/."""
from __future__ import annotations

import math
import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from .artwork import image_mime
from .errors import FeedsError, PresetError, UsageError
from .files import other_kind
from .types import FetchLimits, Host, Lexicon, Preferences, Style

# the show's identity: in its script, tags, feed and cover
SHOW_NAME = "The Daily Feed"
SHOW_DESCRIPTION = "Your news feeds, talked through by two hosts every morning. Made by podcaster on your own hardware."
DEFAULT_BASE_URL = "http://localhost:8000/"     # where the output folder is served, for the podcast feed


def check_base_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL; e.g. https://example.org/podcast/")
    return url if url.endswith("/") else url + "/"

APP = "podcaster"
DEVICES = ("auto", "cpu", "cuda")


def data_dir() -> Path:
    """Per-user data folder (episodes live in its `episodes/`); PODCASTER_HOME overrides."""
    return Path(os.environ.get("PODCASTER_HOME") or platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """Converted models and other derived files; PODCASTER_CACHE overrides."""
    return Path(os.environ.get("PODCASTER_CACHE") or platformdirs.user_cache_dir(APP))


def default_out_dir() -> Path:
    return data_dir() / "episodes"


def bundled_voices_dir() -> Path:
    """voices/ ships inside the wheel as podcaster/voices; a source checkout has it at the top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "voices", here.parent / "voices"):
        if candidate.is_dir():
            return candidate
    raise PresetError("the bundled voices/ folder is missing: reinstall podcaster")


@dataclass
class EpisodeOptions:
    feeds: Path | None = None       # a feeds list file
    out: Path = field(default_factory=default_out_dir)
    feed_list: tuple[str, ...] = () # more feed URLs or files (from the profile)
    minutes: float = 5.0
    host_a: str = "ava"
    host_b: str = "kai"
    style: str = "morning"
    llm: str | None = None          # HF id, local folder or .gguf; None = automatic choice
    tts: str | None = None          # HF id or local folder for Kokoro torch weights; None = automatic
    runtime: str = "auto"           # auto | onnx | torch
    device: str = "auto"
    since: timedelta = timedelta(hours=24)
    seed: int = 0
    sting: Path | None = None       # your own intro/outro sting; else the style's, else ours
    bed: Path | None = None         # your own music bed
    artwork: Path | None = None     # PNG or JPEG cover for the MP3 and the feed
    base_url: str = DEFAULT_BASE_URL  # where the output folder is served, for the podcast feed
    keep: int = 30                  # episodes kept in the output folder and in memory
    prefs: Preferences = field(default_factory=Preferences)
    topics: dict[str, list[str]] = field(default_factory=dict)  # the profile's own topics
    fetch: FetchLimits = field(default_factory=FetchLimits)     # the profile's [fetch] limits
    lexicon: dict[str, str] = field(default_factory=dict)       # the profile's [lexicon]: written -> spoken

    def feed_locations(self) -> list[str]:
        locations = (read_feeds_list(self.feeds) if self.feeds else []) + list(self.feed_list)
        if not locations:
            raise FeedsError("no feeds to read: pass --feeds FILE, or add feeds to your profile "
                             "(`podcaster init`, `podcaster feeds import FILE.opml`)")
        return list(dict.fromkeys(locations))

    def validate(self) -> None:
        if not math.isfinite(self.minutes) or not self.minutes > 0:
            raise UsageError(f"--minutes must be above 0 (got {self.minutes:g}); try --minutes 5")
        if self.minutes > 120:
            raise UsageError(f"--minutes {self.minutes:g} is too long; the limit is 120")
        if self.device not in DEVICES:
            raise UsageError(f"--device must be one of {', '.join(DEVICES)} (got {self.device!r})")
        if self.runtime not in ("auto", "onnx", "torch"):
            raise UsageError(f"--runtime must be auto, onnx or torch (got {self.runtime!r})")
        if self.since <= timedelta(0):
            raise UsageError("--since must be a positive duration such as 24h or 2d")
        if self.keep < 1:
            raise UsageError(f"--keep must be 1 or more (got {self.keep})")
        if self.host_a == self.host_b:
            raise UsageError(f"--host-a and --host-b are both {self.host_a!r}; pick two different hosts")
        check_base_url(self.base_url)
        if self.artwork:
            image_mime(self.artwork)


def read_feeds_list(path: Path) -> list[str]:
    """The feeds list at path (feeds.read_feeds_file); a folder or device there is said to be one,
    not "missing"."""
    from .feeds import read_feeds_file
    other = other_kind(path)
    if other:
        raise FeedsError(f"feeds file {path} is {other}, not a file; pass --feeds with a list of feed URLs "
                         f"or files")
    return read_feeds_file(path)


MAX_SINCE = timedelta(days=3650)    # ten years: a window, reached back a few times, stays a real date


def parse_duration(text: str) -> timedelta:
    """'36h', '2d', '90m' -> timedelta."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    text = text.strip().lower()
    try:
        value = float(text[:-1])
        if not 0 < value < 1e6:      # also rejects nan and inf
            raise ValueError(text)
        span = timedelta(**{units[text[-1]]: value})
    except (ValueError, KeyError, IndexError, OverflowError):
        raise UsageError(f"--since {text!r} is not a duration; use e.g. 24h, 2d or 90m") from None
    if span > MAX_SINCE:
        raise UsageError(f"--since {text!r} is too long; the longest window is {MAX_SINCE.days}d")
    return span


# ---- presets ---------------------------------------------------------------

def _preset_path(kind: str, key: str) -> Path:
    return bundled_voices_dir() / kind / f"{key}.toml"


def preset_names(kind: str) -> list[str]:
    return sorted(p.stem for p in (bundled_voices_dir() / kind).glob("*.toml"))


def _read_preset(kind: str, key: str, cls) -> dict:
    path = _preset_path(kind, key)
    if key not in preset_names(kind):   # by name only: a "../x" from a profile never reaches another file
        label = "voice" if kind == "hosts" else "style"
        raise PresetError(f"unknown {label} preset {key!r}; choose one of: {', '.join(preset_names(kind))}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PresetError(f"{path}: not valid TOML ({e})") from None
    wanted = [f.name for f in fields(cls) if f.name != "key"]
    required = [f.name for f in fields(cls) if f.default is MISSING and f.name != "key"]
    unknown = [k for k in data if k not in wanted]
    missing = [k for k in required if k not in data]
    if unknown:
        raise PresetError(f"{path}: unknown field {unknown[0]!r}; the fields are {', '.join(wanted)}")
    if missing:
        raise PresetError(f"{path}: missing field {missing[0]!r}")
    return data


def _typed(path_hint: str, field_name: str, value, kind: type):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PresetError(f"{path_hint}: field {field_name!r} must be a {kind.__name__}")
    return value


def load_host(key: str) -> Host:
    data = _read_preset("hosts", key, Host)
    hint = str(_preset_path("hosts", key))
    voices = data["kokoro_voices"]
    if not isinstance(voices, list) or not voices or not all(isinstance(v, str) for v in voices):
        raise PresetError(f"{hint}: field 'kokoro_voices' must be a non-empty list of voice names")
    speed = _typed(hint, "speed", data.get("speed", 1.0), float)
    if not 0.5 <= speed <= 2.0:
        raise PresetError(f"{hint}: field 'speed' must be between 0.5 and 2.0")
    return Host(key=key, name=_typed(hint, "name", data["name"], str),
                persona=_typed(hint, "persona", data["persona"], str),
                kokoro_voices=tuple(voices), speed=speed)


def load_style(key: str) -> Style:
    data = _read_preset("styles", key, Style)
    hint = str(_preset_path("styles", key))
    types = {f.name: f.type for f in fields(Style)}
    kinds = {"str": str, "float": float, "int": int, "bool": bool, "str | None": str}
    values = {name: _typed(hint, name, data[name], kinds[types[name]]) for name in data}
    for name in ("sting_file", "bed_file"):   # relative to the style file, so a style travels with its sounds
        if values.get(name):
            values[name] = str((Path(hint).parent / Path(values[name]).expanduser()).resolve())
    if not 0.5 <= values["speed"] <= 2.0:
        raise PresetError(f"{hint}: field 'speed' must be between 0.5 and 2.0")
    for name in ("words_per_minute", "words_per_story"):
        if values[name] <= 0:
            raise PresetError(f"{hint}: field {name!r} must be above 0")
    if values.get("time_of_day", "") not in ("", "morning", "evening"):
        raise PresetError(f"{hint}: field 'time_of_day' must be \"morning\", \"evening\" or left out (any time)")
    return Style(key=key, **values)


def load_topics(extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Topic name -> keywords: voices/topics.toml, with the profile's [topics] added to it."""
    data = tomllib.loads((bundled_voices_dir() / "topics.toml").read_text(encoding="utf-8"))["topics"]
    topics = {name.casefold(): list(words) for name, words in data.items()}
    for name, words in (extra or {}).items():
        topics[name] = topics.get(name, []) + [w for w in words if w not in topics.get(name, [])]
    return topics


def load_lexicon(extra: dict[str, str] | None = None) -> Lexicon:
    """voices/lexicon.toml, with the profile's [lexicon] entries added over it."""
    data = tomllib.loads((bundled_voices_dir() / "lexicon.toml").read_text(encoding="utf-8"))
    return Lexicon(say={**data["say"], **(extra or {})}, word_acronyms=frozenset(data["acronyms"]["words"]),
                   units={unit: tuple(forms) for unit, forms in data["units"].items()})


def load_prompts() -> dict[str, str]:
    """Prompt templates (voices/prompts.toml): data, so tone changes need no code."""
    path = bundled_voices_dir() / "prompts.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))
