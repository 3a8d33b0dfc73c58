"""The one place where the stages meet: feeds -> clusters -> script -> speech -> mix -> files.

`plan_show` decides what today's show tells (also behind `podcaster preview`); `make_episode`
makes it; `run_daily` adds what an unattended morning run needs: one run at a time, today's
episode reused, memory of what was told, old episodes retired.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from . import feeds as feeds_stage
from .articles import fill_clusters
from .config import EpisodeOptions, RunSettings, cache_dir, data_dir
from .errors import BusyError, GenerationError, NoStoriesError, OutputError, ScriptFileError, UsageError
from .files import read_capped
from .memory import History, history_path
from .mix import framing_seconds, load_sounds, mix_lines
from .models import resolve_device
from .podcast_feed import EPISODE_JSON_MAX, episode_paths
from .publish import (
    ensure_writable,
    publish_episode,
    remove_episode_files,
    remove_stale_temps,
    write_feed,
    write_json,
)
from .script_file import ScriptDraft, drafts_dir, read_draft, refuse_overwrite, write_draft
from .select import choose_clusters, rank_clusters, recent_stories, story_count
from .speech import LineCache, load_tts, pick_voice, render_turns
from .speech.rate import learn_rates, lines_over, speaking_rate, word_budget
from .types import Cluster, Episode, FetchLimits, Host, LineAudio, Script, Show, Story, Style
from .writer import WordBudget, story_room, write_script
from .writer.llm import load_llm

log = logging.getLogger(__name__)

# progress(stage, done, total): how far a long stage has come; the CLI draws or logs it
Progress = Callable[[str, int, int], None]
# a mix longer than --minutes by more than this share loses the last turns of its longest stories
LENGTH_TOLERANCE = 0.03
SHORT_SHARE = 0.8   # an episode shorter than this share of --minutes is said to be short, with why
FILL_ROUNDS = 3     # rounds of choosing stories (and fetching their articles) for one show
REACH_BACK = 3      # a day too thin for --minutes may add untold stories up to this many --since windows old


class NothingNew(Exception):
    """Every story in the window was told before: no episode today. Not a failure: run_daily turns it
    into a result, and the CLI exits 0."""


@dataclass
class ShowPlan:
    """What today's show will tell, and why."""
    day: str
    chosen: list[Cluster]
    ranked: list[Cluster]                # every cluster, best first
    left_out: dict[str, str]             # story id -> why (covered, excluded)
    failed_feeds: list[str] = field(default_factory=list)


@dataclass
class DailyResult:
    status: str                  # "made", "reused" or "nothing new"
    message: str
    episode: Episode | None = None


def gather_stories(run: RunSettings, now: datetime,
                   first_run: bool = True) -> tuple[list[Story], list[Story], list[str]]:
    """Fetch every feed; return today's candidate stories (the --since window), the older ones a
    thin day may reach back to (up to REACH_BACK windows), and the feeds that failed (with why)."""
    opts = run.options
    results = feeds_stage.fetch_feeds(list(run.feeds), opts.fetch)
    failed = [f"{r.location}: {r.error}" for r in results if r.error]
    for failure in failed:
        log.warning("feed skipped: %s", failure)
    if len(failed) == len(results):
        raise NoStoriesError(f"none of the {len(results)} feeds could be read (first: {failed[0]}); "
                             f"check the network and the feeds file")
    stories = feeds_stage.dedupe([s for r in results for s in r.stories])
    if not stories:
        raise NoStoriesError("the feeds hold no stories today; try again later or add feeds")
    log.info("feeds: %d read, %d failed, %d unique stories", len(results) - len(failed), len(failed), len(stories))
    window = recent_stories(stories, now, opts.since, fallback=first_run)
    told = {s.id for s in window}
    older = [s for s in recent_stories(stories, now, opts.since * REACH_BACK, fallback=False) if s.id not in told]
    return window, older if window else [], failed


def plan_show(run: RunSettings, now: datetime, history: History | None = None) -> ShowPlan:
    """Fetch, cluster, rank against the listener's interests and memory, and pick what fits the time."""
    opts, style = run.options, run.style
    day = now.astimezone().date().isoformat()
    covered = history.covered(before=day) if history else []
    candidates, older, failed = gather_stories(run, now, first_run=not covered)
    ranked, left_out = rank_clusters(candidates + older, opts.prefs, run.topics, now, covered)
    total_words = round(opts.minutes * style.words_per_minute)
    frame = WordBudget.split(total_words, []).opening
    count = story_count(total_words, style.words_per_story, frame)
    today = {s.id for s in candidates}
    fresh, before = [], []
    for cluster in ranked:
        (fresh if any(s.id in today for s in cluster.stories) else before).append(cluster)
    chosen = _choose_with_articles(fresh, count, total_words - 2 * frame, style, opts.fetch, left_out)
    missing = total_words - 2 * frame - sum(story_room(c, style) for c in chosen)
    if missing > 0 and chosen:
        # a thin day: news the listener has not heard from the windows before, rather than a short show
        earlier = _choose_with_articles(before, 0, missing, style, opts.fetch, left_out)
        if earlier:
            log.info("stories: the last %s hold too little for %g minutes; added %d untold from before that",
                     _duration(opts.since), opts.minutes, len(earlier))
        chosen += earlier
    log.info("stories: %d candidates, %d left out (told before or excluded), %d clusters, %d chosen",
             len(candidates), len(left_out), len(ranked), len(chosen))
    return ShowPlan(day, chosen, ranked, left_out, failed)


def _choose_with_articles(ranked: list[Cluster], count: int, words: int, style: Style, limits: FetchLimits,
                  left_out: dict[str, str]) -> list[Cluster]:
    """The best count clusters with their articles' full text (articles.py). A cluster whose stories
    have no usable text is replaced by the next best, and while the chosen stories hold too little
    for the words asked (writer.story_room), more are added: a few more rounds at most, as each
    round may fetch articles."""
    chosen, tried = [], set()
    for _ in range(FILL_ROUNDS):
        room = sum(story_room(c, style) for c in chosen)
        if len(chosen) >= count and room >= words:
            break
        more = max(count - len(chosen), math.ceil((words - room) / (room / len(chosen))) if chosen else 1)
        picked = choose_clusters([c for c in ranked if c.id not in tried], more)
        if not picked:
            break
        tried |= {c.id for c in picked}
        filled, skipped = fill_clusters(picked, limits)
        chosen += filled
        left_out.update({s.id: "no text in its feed or at its link" for s in skipped})
    return chosen


@dataclass
class Studio:
    """What speaks a script: the TTS loaded, each host's voice and pace, the style's sounds."""
    engine: object
    hosts: tuple[Host, Host]
    style: Style
    voices: dict[str, str]           # host key -> Kokoro voice
    speeds: dict[str, float]         # host key -> speed (the style's times the host's)
    sounds: object


def open_studio(run: RunSettings) -> Studio:
    """The TTS is small and checks the voices, so it loads first: a bad voice fails in seconds."""
    opts, hosts, style = run.options, run.hosts, run.style
    engine = load_tts(opts.tts, opts.runtime, resolve_device(opts.device))
    return Studio(engine, hosts, style, voices={host.key: pick_voice(host, engine) for host in hosts},
                  speeds={host.key: style.speed * host.speed for host in hosts},
                  sounds=load_sounds(style, engine.sample_rate, opts.sting, opts.bed))


def write_todays_script(run: RunSettings, now: datetime, progress: Progress,
                        history: History | None = None) -> tuple[Script, ShowPlan, Studio]:
    """Steps 1 and 2: plan today's show and write its script, or reuse the one a run that stopped
    saved. Raises NothingNew when every story was told before."""
    opts, hosts, style = run.options, run.hosts, run.style
    resolve_device(opts.device)         # --device cuda without a GPU says so before the feeds are fetched
    progress("feeds", 0, 1)
    plan = plan_show(run, now, history)
    if not plan.chosen:
        raise NothingNew(f"nothing new since the last episode ({len(plan.left_out)} stories told before "
                         f"or excluded); no episode today")
    progress("feeds", 1, 1)
    studio = open_studio(run)
    script = _saved_script(plan, run)
    if script:
        log.info("script: reusing the one saved before an earlier run stopped")
        return script, plan, studio
    wpm = sum(speaking_rate(studio.engine, studio.voices[key], speed, cache_dir(), style.words_per_minute)
              for key, speed in studio.speeds.items()) / 2
    framing = framing_seconds(studio.sounds, studio.engine.sample_rate)
    words = word_budget(opts.minutes, wpm, style, framing, len(plan.chosen) + 2)
    log.info("length: %g min at %.0f words a minute is %d words", opts.minutes, wpm, words)
    llm = load_llm(opts.llm, resolve_device(opts.device))
    script = write_script(plan.chosen, hosts, style, llm, opts.minutes, now.astimezone().date(),
                          run.prompts, opts.seed, on_segment=lambda done, total: progress("script", done, total),
                          words_per_minute=words / opts.minutes, show_name=opts.show.name)
    del llm
    _free_memory()
    _save_script(plan, run, script)
    return script, plan, studio


def make_episode(run: RunSettings, now: datetime | None = None, progress: Progress | None = None,
                 history: History | None = None) -> Episode:
    """An episode of the show run describes (EpisodeOptions.resolve()), as at now."""
    progress = progress or _no_progress
    ensure_writable(run.options.out)
    script, plan, studio = write_todays_script(run, now or datetime.now(timezone.utc), progress, history)
    episode = speak_script(script, run, studio, progress, history, minutes=run.options.minutes,
                           failed_feeds=plan.failed_feeds)
    _script_file(plan.day).unlink(missing_ok=True)
    return episode


def speak_script(script: Script, run: RunSettings, studio: Studio, progress: Progress,
                 history: History | None = None, minutes: float | None = None,
                 failed_feeds: list[str] | None = None) -> Episode:
    """Steps 3 and 4: speak every line, mix (to `minutes` when given: an edited script is spoken
    whole), publish the episode's files and remember what it told."""
    opts = run.options
    out = ensure_writable(opts.out)
    cache = LineCache(cache_dir() / "lines")
    style, engine = studio.style, studio.engine
    lines = render_turns(script.turns, {h.key: h for h in studio.hosts}, studio.voices, style, engine,
                         on_line=lambda done, total: progress("speech", done, total), cache=cache,
                         lexicon=run.lexicon)
    learn_rates(lines, engine, studio.voices, studio.speeds, cache_dir())
    if not script.keeping([line.turn for line in lines]).clusters:
        raise GenerationError(f"the TTS ({engine.name}) could not speak any story's lines; the log has why")
    progress("mix", 0, 1)
    unspoken = len(script.turns) - len(lines)
    if minutes:
        lines, samples, rate, spans = _mix_to_length(lines, style, studio.sounds, minutes)
    else:
        samples, rate, spans = mix_lines(lines, style, studio.sounds)
    spoken = script.keeping([line.turn for line in lines])     # transcript, chapters and memory follow the audio
    made = len(samples) / rate / 60
    if minutes:
        log.info("length: %.2f min for --minutes %g (%+.0f %%)", made, minutes, 100 * (made / minutes - 1))
        if made < minutes * SHORT_SHARE:
            log.warning("length: the episode runs %.1f min of the %g asked: the checks left out what the LLM "
                        "wrote that its reports do not say (the log lists each line), or the stories held too "
                        "little; a stronger --llm, more feeds or a longer --since give it more", made, minutes)
    episode = publish_episode(out, spoken, samples, rate, spans, base_url=opts.base_url, artwork=opts.artwork,
                              failed_feeds=failed_feeds, show=opts.show)
    episode.unspoken_lines = unspoken
    if history:
        history.record(spoken, episode.mp3, episode.duration_s)
    cache.prune()
    progress("mix", 1, 1)
    return episode


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _mix_to_length(lines: list[LineAudio], style: Style, sounds, minutes: float):
    """The mix, and if it runs more than LENGTH_TOLERANCE over --minutes, the mix again without the
    last turns of the longest stories (speech.rate.lines_over). Returns (lines, samples, rate, spans)."""
    samples, rate, spans = mix_lines(lines, style, sounds)
    over = len(samples) / rate - minutes * 60
    if over > minutes * 60 * LENGTH_TOLERANCE:
        shorter = lines_over(lines, over, style.turn_pause_ms / 1000)
        if len(shorter) < len(lines):
            log.info("length: %.2f min as written; left out the last %d turn(s) of the longest stories",
                     len(samples) / rate / 60, len(lines) - len(shorter))
            lines = shorter
            samples, rate, spans = mix_lines(lines, style, sounds)
    return lines, samples, rate, spans


@contextmanager
def _one_run(out: Path, memory: Path | None) -> Iterator[History]:
    """One `daily` or `speak` at a time (the lock in the data folder), with the history open."""
    from filelock import FileLock, Timeout
    lock_path = data_dir() / "daily.lock"
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=0)
        lock.acquire()
    except Timeout:
        raise BusyError(f"another `podcaster daily` is running (it holds {lock_path}); this run made nothing") from None
    except OSError as e:
        raise OutputError(f"cannot write to the data folder {lock_path.parent} ({e.strerror or e}); "
                          f"set PODCASTER_HOME to a folder you can write") from None
    try:
        remove_stale_temps(ensure_writable(out))
        with History.open(memory) as history:
            yield history
    finally:
        lock.release()


def run_daily(run: RunSettings, now: datetime | None = None, force: bool = False,
              progress: Progress | None = None) -> DailyResult:
    """`podcaster daily`: one run at a time; today's episode reused unless force; remembered; retention."""
    opts = run.options
    now = now or datetime.now(timezone.utc)
    day = now.astimezone().date().isoformat()
    with _one_run(opts.out, opts.memory) as history:
        existing = episode_paths(opts.out, day)
        if existing["json"].is_file() and not force:
            _remember_published(history, existing, day)
            return DailyResult("reused", f"{existing['mp3']}  (today's episode exists; --force makes it again)")
        try:
            episode = make_episode(run, now, progress, history)
        except NothingNew as e:
            return DailyResult("nothing new", str(e))
        retire_old_episodes(history, opts.keep, opts.base_url, spare=day, show=opts.show)
    return DailyResult("made", _summary(episode), episode)


def draft_script(run: RunSettings, now: datetime | None = None, progress: Progress | None = None,
                 force: bool = False) -> DailyResult:
    """`podcaster daily --script-only`: today's script as files to read and edit (script_file.py),
    nothing spoken or published. Memory is read (what was told before), never written. A script of
    the day already written may hold edits: force writes it again."""
    opts = run.options
    now = now or datetime.now(timezone.utc)
    folder = ensure_writable(drafts_dir(), "set PODCASTER_HOME to a folder you can write")   # before the LLM's minutes
    if not force:
        refuse_overwrite(folder, now.astimezone().date().isoformat())
    try:
        if (opts.memory or history_path()).is_file():      # memory is read, never created
            with History.open(opts.memory) as history:
                script, plan, _ = write_todays_script(run, now, progress or _no_progress, history)
        else:
            script, plan, _ = write_todays_script(run, now, progress or _no_progress)
    except NothingNew as e:
        return DailyResult("nothing new", str(e))
    json_path, text_path = write_draft(folder, ScriptDraft(script, opts.style, opts.out, opts.memory), overwrite=force)
    count = len(script.clusters)
    return DailyResult("written", f"{text_path}  ({count} {'story' if count == 1 else 'stories'}; edit it, then "
                                  f"`podcaster speak {text_path}`; everything, with sources: {json_path.name})")


def speak_draft(path: Path, opts: EpisodeOptions, force: bool = False, progress: Progress | None = None,
                out: Path | None = None) -> DailyResult:
    """`podcaster speak FILE`: a script written by --script-only (and perhaps edited) made into the
    day's episode, spoken whole: files, feed, memory and retention as `daily` has them. The episode
    goes to `out` if given, else where the script was written for (the demo's to the demo's)."""
    draft = read_draft(path)            # the whole file is checked before anything loads
    script = draft.script
    if len(script.hosts) != 2:
        raise ScriptFileError(f"{path}: a script has two hosts (this one has {len(script.hosts)})")
    host_a, host_b = script.hosts
    opts = replace(opts, host_a=host_a, host_b=host_b, style=draft.style, out=out or draft.out or opts.out,
                   memory=draft.memory)
    run = opts.resolve(feeds=False)
    resolve_device(opts.device)         # --device cuda without a GPU says so before anything loads
    with _one_run(opts.out, opts.memory) as history:
        existing = episode_paths(opts.out, script.date)
        if existing["json"].is_file() and not force:
            raise UsageError(f"the episode of {script.date} exists ({existing['mp3']}); --force replaces it")
        studio = open_studio(run)
        episode = speak_script(script, run, studio, progress or _no_progress, history)
        retire_old_episodes(history, opts.keep, opts.base_url, spare=script.date, show=opts.show)
    return DailyResult("made", _summary(episode), episode)


def _remember_published(history: History, paths: dict[str, Path], day: str) -> None:
    """An episode published by a run that died before recording it is recorded now, so its stories
    are not told again and retention sees it."""
    script_json = paths["json"]
    if history.has(day):
        return
    try:
        data = json.loads(read_capped(script_json, EPISODE_JSON_MAX, "episode script", OutputError))
        if data["date"] != day:     # only the date its name says: a date names files later (retention)
            raise ValueError(f"it is dated {data['date']!r}, not {day}")
        script, duration = Script.from_json(data), float(data["duration"])
    except (OutputError, ValueError, KeyError, TypeError) as e:    # the file's fault; history's own errors go up
        log.warning("cannot read %s to remember it (%s)", script_json, e)
        return
    history.record(script, paths["mp3"], duration)
    log.info("recorded %s, published by an earlier run that stopped before recording it", script_json.name)


def retire_old_episodes(history: History, keep: int, base_url: str, spare: str = "", show: Show = Show()) -> list[str]:
    """Delete episodes beyond the newest `keep`: their files, then their records; rebuild the feeds.
    `spare` (the one just made) stays even when it is a backfill older than those; the next run retires it."""
    retired, folders = [], set()
    for past in [e for e in history.episodes()[keep:] if e.date != spare]:
        remove_episode_files(past.folder, past.date)
        history.forget(past.date)
        retired.append(past.date)
        folders.add(past.folder)
    for folder in folders:
        if folder.is_dir():
            write_feed(folder, base_url, show=show)
    if retired:
        log.info("retired %d old episodes: %s", len(retired), ", ".join(retired))
    return retired


def _duration(span) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:g} days"


def _summary(episode: Episode) -> str:
    minutes, seconds = divmod(round(episode.duration_s), 60)
    count = len(episode.script.clusters)
    return (f"{episode.mp3}  ({minutes}:{seconds:02d}, {count} {'story' if count == 1 else 'stories'}"
            + (f", {len(episode.failed_feeds)} feeds failed" if episode.failed_feeds else "")
            + (f", {episode.unspoken_lines} unspeakable line(s) left out" if episode.unspoken_lines else "") + ")")


# ---- the script, saved before speech so a rerun after a crash reuses it ------

def _script_file(day: str) -> Path:
    return data_dir() / "work" / f"podcaster-{day}.script.json"


def _script_key(plan: ShowPlan, run: RunSettings) -> str:
    """Everything the script depends on: the stories told and the options that shape the writing."""
    opts = run.options
    parts = {"day": plan.day, "stories": [[s.id for s in c.stories] for c in plan.chosen],
             "updates": [c.update_of for c in plan.chosen], "hosts": [asdict(host) for host in run.hosts],
             "style": asdict(run.style), "minutes": opts.minutes, "llm": opts.llm, "seed": opts.seed,
             "prompts": run.prompts, "show": opts.show.name}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _saved_script(plan: ShowPlan, run: RunSettings) -> Script | None:
    path = _script_file(plan.day)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("key") == _script_key(plan, run):
            return Script.from_json(saved["script"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("saved script %s is unusable (%s); writing a new one", path, e)
    return None


def _save_script(plan: ShowPlan, run: RunSettings, script: Script) -> None:
    path = _script_file(plan.day)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": _script_key(plan, run), "script": script.to_json()})
    except (OSError, OutputError) as e:      # resuming is a convenience; the episode goes on
        log.warning("cannot save the script for a resume (%s)", e)


def _free_memory() -> None:
    """Let the LLM's memory go before speech (the GPU and small machines need it)."""
    import torch
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()

