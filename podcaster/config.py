"""Options for a run, where things live, and the presets in voices/."""
from __future__ import annotations

import math
import os
import shutil
import string
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from .artwork import image_mime
from .errors import FeedsError, PresetError, UsageError
from .files import MB, atomic_path, other_kind, read_capped
from .types import FetchLimits, Host, Lexicon, Preferences, Show, Style

DEFAULT_BASE_URL = "http://localhost:8000/"     # where the output folder is served, for the podcast feed


def check_base_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL; e.g. https://example.org/podcast/")
    return url if url.endswith("/") else url + "/"

APP = "podcaster"
DEVICES = ("auto", "cpu", "cuda")
RUNTIMES = ("auto", "torch", "onnx")     # the TTS runtime: speech/runtimes.py


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
    raise PresetError("the bundled voices/ folder is missing: reinstall podcaster-daily")


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
    show: Show = field(default_factory=Show)                    # the profile's [show]: name, author, ...
    memory: Path | None = None      # history.db: what was told; None = the data folder's

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
        if self.runtime not in RUNTIMES:
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

    def resolve(self, feeds: bool = True) -> RunSettings:
        """These options checked, and every file they name read, once: the value the pipeline runs on.
        feeds=False for work that reads no feeds (speaking a script)."""
        self.validate()
        hosts, style = (load_host(self.host_a), load_host(self.host_b)), load_style(self.style)   # presets first
        topics, lexicon, prompts = load_topics(self.topics), load_lexicon(self.lexicon), load_prompts()
        return RunSettings(self, feeds=tuple(self.feed_locations()) if feeds else (), hosts=hosts, style=style,
                           topics=topics, lexicon=lexicon, prompts=prompts)


@dataclass(frozen=True)
class RunSettings:
    """EpisodeOptions.resolve(): the options with the feeds list, the presets, topics, lexicon and
    prompts they name read and checked. It flows down the pipeline; nothing below reads them again."""
    options: EpisodeOptions
    feeds: tuple[str, ...]              # feed URLs and files, each once
    hosts: tuple[Host, Host]
    style: Style
    topics: dict[str, list[str]]        # bundled, yours, the profile's
    lexicon: Lexicon
    prompts: dict[str, str]


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
# Bundled in voices/, and your own in the per-user config folder laid out the same way: hosts/NAME.toml,
# styles/NAME.toml, prompts.toml, topics.toml, lexicon.toml. Yours add to and override the bundled
# ones; a flag or the profile overrides both.

PRESET_KINDS = {"hosts": "voice", "styles": "style"}    # folder -> what one preset in it is
PRESET_TABLES = ("prompts", "topics", "lexicon")        # one file each, yours merged over the bundled one
LEXICON_TABLES = ("say", "acronyms", "units")
PRESET_MAX = MB         # a preset file is a few kB


def default_profile_path() -> Path:
    """profile.toml in the per-user config folder; PODCASTER_CONFIG names another file."""
    return Path(os.environ.get("PODCASTER_CONFIG") or Path(platformdirs.user_config_dir(APP)) / "profile.toml")


def user_presets_dir() -> Path:
    """Your own presets: the profile's folder (the per-user config folder, or PODCASTER_CONFIG's)."""
    return default_profile_path().parent


def _files_in(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def _preset_files(kind: str) -> dict[str, Path]:
    """Preset name -> its file: the bundled ones, with yours of the same name over them."""
    return {**_files_in(bundled_voices_dir() / kind), **_files_in(user_presets_dir() / kind)}


def preset_names(kind: str) -> list[str]:
    return sorted(_preset_files(kind))


def preset_path(kind: str, key: str) -> Path:
    """A preset's file, found by name only: a "../x" from a profile never reaches another file."""
    files = _preset_files(kind)
    if key not in files:
        raise PresetError(f"unknown {PRESET_KINDS[kind]} preset {key!r}; choose one of: {', '.join(sorted(files))} "
                          f"(or add your own to {user_presets_dir() / kind})")
    return files[key]


def preset_origin(path: Path) -> str:
    """Where a preset file comes from, as `podcaster voices` and `styles` say it: "bundled" or "yours"
    (a table cuts a path short, so the listing names your folder below it)."""
    return "bundled" if path.is_relative_to(bundled_voices_dir()) else "yours"


def _read_toml_file(path: Path) -> dict:
    """A preset file's TOML; anything wrong with it is a PresetError naming the file."""
    try:
        return tomllib.loads(read_capped(path, PRESET_MAX, "preset", PresetError).decode("utf-8"))
    except UnicodeDecodeError:
        raise PresetError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise PresetError(f"{path}: not valid TOML ({e})") from None


def _user_file(name: str) -> tuple[Path, dict]:
    """Your prompts, topics or lexicon file and its TOML ({} when you have none)."""
    path = user_presets_dir() / f"{name}.toml"
    return path, (_read_toml_file(path) if path.exists() else {})


def _read_preset(kind: str, key: str, cls) -> tuple[Path, dict]:
    path = preset_path(kind, key)
    data = _read_toml_file(path)
    wanted = [f.name for f in fields(cls) if f.name != "key"]
    required = [f.name for f in fields(cls) if f.default is MISSING and f.name != "key"]
    unknown = [k for k in data if k not in wanted]
    missing = [k for k in required if k not in data]
    if unknown:
        raise PresetError(f"{path}: unknown field {unknown[0]!r}; the fields are {', '.join(wanted)}")
    if missing:
        raise PresetError(f"{path}: missing field {missing[0]!r}")
    return path, data


def _typed(path_hint: str, field_name: str, value, kind: type):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PresetError(f"{path_hint}: field {field_name!r} must be a {kind.__name__}")
    return value


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def load_host(key: str) -> Host:
    path, data = _read_preset("hosts", key, Host)
    hint = str(path)
    voices = data["kokoro_voices"]
    if not _strings(voices) or not voices:
        raise PresetError(f"{hint}: field 'kokoro_voices' must be a non-empty list of voice names")
    speed = _typed(hint, "speed", data.get("speed", 1.0), float)
    if not 0.5 <= speed <= 2.0:
        raise PresetError(f"{hint}: field 'speed' must be between 0.5 and 2.0")
    return Host(key=key, name=_typed(hint, "name", data["name"], str),
                persona=_typed(hint, "persona", data["persona"], str),
                kokoro_voices=tuple(voices), speed=speed)


def load_style(key: str) -> Style:
    path, data = _read_preset("styles", key, Style)
    hint = str(path)
    types = {f.name: f.type for f in fields(Style)}
    kinds = {"str": str, "float": float, "int": int, "bool": bool, "str | None": str}
    values = {name: _typed(hint, name, data[name], kinds[types[name]]) for name in data}
    for name in ("sting_file", "bed_file"):   # relative to the style file, so a style travels with its sounds
        if values.get(name):
            values[name] = str((path.parent / Path(values[name]).expanduser()).resolve())
    if not 0.5 <= values["speed"] <= 2.0:
        raise PresetError(f"{hint}: field 'speed' must be between 0.5 and 2.0")
    for name in ("words_per_minute", "words_per_story"):
        if values[name] <= 0:
            raise PresetError(f"{hint}: field {name!r} must be above 0")
    if values.get("time_of_day", "") not in ("", "morning", "evening"):
        raise PresetError(f"{hint}: field 'time_of_day' must be \"morning\", \"evening\" or left out (any time)")
    return Style(key=key, **values)


def load_topics(extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Topic name -> keywords: voices/topics.toml, then your topics.toml, then the profile's [topics],
    each adding topics, and keywords to the topics before it."""
    bundled = bundled_voices_dir() / "topics.toml"
    topics = _topics_in(bundled, _read_toml_file(bundled))
    for more in (_topics_in(*_user_file("topics")), extra or {}):
        for name, words in more.items():
            topics[name] = topics.get(name, []) + [w for w in words if w not in topics.get(name, [])]
    return topics


def _topics_in(path: Path, data: dict) -> dict[str, list[str]]:
    """The [topics] table of a topics.toml, checked: name = [keywords]."""
    unknown = [k for k in data if k != "topics"]
    table = data.get("topics", {})
    if unknown or not isinstance(table, dict):
        raise PresetError(f"{path}: topics go in a [topics] table, as name = [\"keyword\", ...]"
                          + (f" (found {unknown[0]!r})" if unknown else ""))
    for name, words in table.items():
        if not _strings(words):
            raise PresetError(f"{path}: topic {name!r} must be a list of keywords, like [\"chess\", \"grandmaster\"]")
    return {name.casefold(): list(words) for name, words in table.items()}


def load_lexicon(extra: dict[str, str] | None = None) -> Lexicon:
    """voices/lexicon.toml, then your lexicon.toml over it, then the profile's [lexicon] entries over both."""
    bundled = bundled_voices_dir() / "lexicon.toml"
    say, words, units = {}, set(), {}
    for part in (_lexicon_in(bundled, _read_toml_file(bundled)), _lexicon_in(*_user_file("lexicon"))):
        say.update(part.say)
        words |= part.word_acronyms
        units.update(part.units)
    return Lexicon(say={**say, **(extra or {})}, word_acronyms=frozenset(words), units=units)


def _lexicon_in(path: Path, data: dict) -> Lexicon:
    """A lexicon.toml, checked: [say] written = spoken, [acronyms] words = [...], [units] unit = [one, many]."""
    unknown = [k for k in data if k not in LEXICON_TABLES]
    if unknown:
        raise PresetError(f"{path}: unknown table {unknown[0]!r}; the tables are {', '.join(LEXICON_TABLES)}")
    say, acronyms, units = (data.get(name, {}) for name in LEXICON_TABLES)
    if not isinstance(say, dict) or not all(isinstance(v, str) and v.strip() for v in say.values()):
        raise PresetError(f"{path}: [say] must hold written = spoken, like \"Nguyen\" = \"Win\"")
    if not isinstance(acronyms, dict) or set(acronyms) - {"words"} or not _strings(acronyms.get("words", [])):
        raise PresetError(f"{path}: [acronyms] must hold words = [\"NASA\", ...]: all-caps names said as words")
    if not isinstance(units, dict) or not all(_strings(forms) and len(forms) == 2 for forms in units.values()):
        raise PresetError(f"{path}: [units] must hold unit = [one, many], like km = [\"kilometer\", \"kilometers\"]")
    return Lexicon(say=dict(say), word_acronyms=frozenset(acronyms.get("words", [])),
                   units={unit: tuple(forms) for unit, forms in units.items()})


def load_prompts() -> dict[str, str]:
    """Prompt templates: voices/prompts.toml, with the prompts your prompts.toml sets over it (the rest
    stay bundled). Data, so tone changes need no code."""
    prompts = _read_toml_file(bundled_voices_dir() / "prompts.toml")
    path, mine = _user_file("prompts")
    for key, text in mine.items():
        _check_prompt(path, key, text, prompts)
    return {**prompts, **mine}


def _check_prompt(path: Path, key: str, text, bundled: dict[str, str]) -> None:
    """Your prompt replaces one podcaster has, as text, using only placeholders the bundled one is given."""
    if key not in bundled:
        raise PresetError(f"{path}: unknown prompt {key!r}; the prompts are {', '.join(bundled)}")
    if not isinstance(text, str):
        raise PresetError(f"{path}: prompt {key!r} must be text (a string)")
    try:
        extra = sorted(_placeholders(text) - _placeholders(bundled[key]))
    except ValueError as e:
        raise PresetError(f"{path}: prompt {key!r} has a stray brace ({e}); write {{{{ or }}}} for a brace "
                          f"itself") from None
    if extra:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(_placeholders(bundled[key]))) or "none"
        raise PresetError(f"{path}: prompt {key!r} uses {{{extra[0]}}}, which podcaster does not fill in there; "
                          f"it can use: {allowed}")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def copyable_presets() -> list[str]:
    """What `podcaster init --copy` takes: hosts/NAME and styles/NAME of the bundled presets, and the
    prompts, topics and lexicon files."""
    return [f"{kind}/{key}" for kind in PRESET_KINDS for key in _files_in(bundled_voices_dir() / kind)] \
        + list(PRESET_TABLES)


def copy_preset(name: str, overwrite: bool = False) -> Path:
    """`podcaster init --copy NAME`: a bundled preset file copied into your presets folder, to edit.
    One already there is replaced only with overwrite, and kept as NAME.toml.bak."""
    name = name.removesuffix(".toml")
    if name not in copyable_presets():
        raise PresetError(f"--copy {name!r} is no bundled preset; copy one of: {', '.join(copyable_presets())}")
    source, target = bundled_voices_dir() / f"{name}.toml", user_presets_dir() / f"{name}.toml"
    if target.exists() and not overwrite:
        raise PresetError(f"{target} already exists; edit it, or pass --force to start again from the bundled one "
                          f"(yours is kept as {target.name}.bak)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.copyfile(target, target.with_name(target.name + ".bak"))
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    except OSError as e:
        raise PresetError(f"cannot write {target} ({e.strerror or e}); check that you can write in "
                          f"{target.parent}") from None
    return target
