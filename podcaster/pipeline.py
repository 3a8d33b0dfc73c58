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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import feeds as feeds_stage
from .articles import fill_clusters
from .config import EpisodeOptions, cache_dir, data_dir, load_host, load_lexicon, load_prompts, load_style, load_topics
from .errors import BusyError, GenerationError, NoStoriesError, OutputError
from .files import read_capped
from .memory import History
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
from .select import choose_clusters, rank_clusters, recent_stories, story_count
from .speech import LineCache, load_tts, pick_voice, render_turns
from .speech.rate import learn_rates, lines_over, speaking_rate, word_budget
from .types import Cluster, Episode, FetchLimits, LineAudio, Script, Story, Style
from .writer import WordBudget, story_room, write_script
from .writer.llm import load_llm

log = logging.getLogger(__name__)

# progress(stage, done, total): how far a long stage has come; the CLI draws or logs it
Progress = Callable[[str, int, int], None]
# a mix longer than --minutes by more than this share loses the last turns of its longest stories
LENGTH_TOLERANCE = 0.03
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


def gather_stories(locations: list[str], opts: EpisodeOptions, now: datetime,
                   first_run: bool = True) -> tuple[list[Story], list[Story], list[str]]:
    """Fetch every feed; return today's candidate stories (the --since window), the older ones a
    thin day may reach back to (up to REACH_BACK windows), and the feeds that failed (with why)."""
    results = feeds_stage.fetch_feeds(locations, opts.fetch)
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


def plan_show(opts: EpisodeOptions, now: datetime, history: History | None = None) -> ShowPlan:
    """Fetch, cluster, rank against the listener's interests and memory, and pick what fits the time."""
    day = now.astimezone().date().isoformat()
    style = load_style(opts.style)
    covered = history.covered(before=day) if history else []
    candidates, older, failed = gather_stories(opts.feed_locations(), opts, now, first_run=not covered)
    ranked, left_out = rank_clusters(candidates + older, opts.prefs, load_topics(opts.topics), now, covered)
    total_words = round(opts.minutes * style.words_per_minute)
    frame = WordBudget.split(total_words, []).opening
    count = story_count(total_words, style.words_per_story, frame)
    today = {s.id for s in candidates}
    fresh, before = [], []
    for cluster in ranked:
        (fresh if any(s.id in today for s in cluster.stories) else before).append(cluster)
    chosen = _told_in_full(fresh, count, total_words - 2 * frame, style, opts.fetch, left_out)
    missing = total_words - 2 * frame - sum(story_room(c, style) for c in chosen)
    if missing > 0 and chosen:
        # a thin day: news the listener has not heard from the windows before, rather than a short show
        earlier = _told_in_full(before, 0, missing, style, opts.fetch, left_out)
        if earlier:
            log.info("stories: the last %s hold too little for %g minutes; added %d untold from before that",
                     _duration(opts.since), opts.minutes, len(earlier))
        chosen += earlier
    log.info("stories: %d candidates, %d left out (told before or excluded), %d clusters, %d chosen",
             len(candidates), len(left_out), len(ranked), len(chosen))
    return ShowPlan(day, chosen, ranked, left_out, failed)


def _told_in_full(ranked: list[Cluster], count: int, words: int, style: Style, limits: FetchLimits,
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


def make_episode(opts: EpisodeOptions, now: datetime | None = None, progress: Progress | None = None,
                 history: History | None = None) -> Episode:
    progress = progress or (lambda stage, done, total: None)
    opts.validate()
    opts.feed_locations()           # a bad feeds list fails now, not after the fetch
    now = now or datetime.now(timezone.utc)
    hosts = (load_host(opts.host_a), load_host(opts.host_b))
    style = load_style(opts.style)
    out = ensure_writable(opts.out)
    device = resolve_device(opts.device)

    progress("feeds", 0, 1)
    plan = plan_show(opts, now, history)
    if not plan.chosen:
        raise NothingNew(f"nothing new since the last episode ({len(plan.left_out)} stories told before "
                         f"or excluded); no episode today")
    progress("feeds", 1, 1)

    # The TTS is small and checks the voices, so it loads first: a bad voice fails in seconds.
    engine = load_tts(opts.tts, opts.runtime, device)
    voices = {host.key: pick_voice(host, engine) for host in hosts}
    sounds = load_sounds(style, engine.sample_rate, opts.sting, opts.bed)
    speeds = {host.key: style.speed * host.speed for host in hosts}

    script = _saved_script(plan, opts)
    if script:
        log.info("script: reusing the one saved before an earlier run stopped")
    else:
        wpm = sum(speaking_rate(engine, voices[key], speed, cache_dir(), style.words_per_minute)
                  for key, speed in speeds.items()) / 2
        words = word_budget(opts.minutes, wpm, style, framing_seconds(sounds, engine.sample_rate), len(plan.chosen) + 2)
        log.info("length: %g min at %.0f words a minute is %d words", opts.minutes, wpm, words)
        llm = load_llm(opts.llm, device)
        script = write_script(plan.chosen, hosts, style, llm, opts.minutes, now.astimezone().date(),
                              load_prompts(), opts.seed, on_segment=lambda done, total: progress("script", done, total),
                              words_per_minute=words / opts.minutes)
        del llm
        _free_memory()
        _save_script(plan, opts, script)

    cache = LineCache(cache_dir() / "lines")
    lines = render_turns(script.turns, {h.key: h for h in hosts}, voices, style, engine,
                         on_line=lambda done, total: progress("speech", done, total), cache=cache,
                         lexicon=load_lexicon(opts.lexicon))
    learn_rates(lines, engine, voices, speeds, cache_dir())
    if not script.keeping([line.turn for line in lines]).clusters:
        raise GenerationError(f"the TTS ({engine.name}) could not speak any story's lines; the log has why")
    progress("mix", 0, 1)
    unspoken = len(script.turns) - len(lines)
    lines, samples, rate, spans = _mix_to_length(lines, style, sounds, opts.minutes)
    spoken = script.keeping([line.turn for line in lines])     # transcript, chapters and memory follow the audio
    made = len(samples) / rate / 60
    log.info("length: %.2f min for --minutes %g (%+.0f %%)", made, opts.minutes, 100 * (made / opts.minutes - 1))
    episode = publish_episode(out, spoken, samples, rate, spans, base_url=opts.base_url, artwork=opts.artwork,
                              failed_feeds=plan.failed_feeds)
    episode.unspoken_lines = unspoken
    if history:
        history.record(spoken, episode.mp3, episode.duration_s)
    _script_file(plan.day).unlink(missing_ok=True)
    cache.prune()
    progress("mix", 1, 1)
    return episode


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


def run_daily(opts: EpisodeOptions, now: datetime | None = None, force: bool = False,
              progress: Progress | None = None) -> DailyResult:
    """`podcaster daily`: one run at a time; today's episode reused unless force; remembered; retention."""
    from filelock import FileLock, Timeout
    opts.validate()
    opts.feed_locations()
    now = now or datetime.now(timezone.utc)
    day = now.astimezone().date().isoformat()
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
        remove_stale_temps(ensure_writable(opts.out))
        existing = episode_paths(opts.out, day)
        with History.open() as history:
            if existing["json"].is_file() and not force:
                _remember_published(history, existing, day)
                return DailyResult("reused", f"{existing['mp3']}  (today's episode exists; --force makes it again)")
            try:
                episode = make_episode(opts, now, progress, history)
            except NothingNew as e:
                return DailyResult("nothing new", str(e))
            retire_old_episodes(history, opts.keep, opts.base_url, spare=day)
        return DailyResult("made", _summary(episode), episode)
    finally:
        lock.release()


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


def retire_old_episodes(history: History, keep: int, base_url: str, spare: str = "") -> list[str]:
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
            write_feed(folder, base_url)
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


def _script_key(plan: ShowPlan, opts: EpisodeOptions) -> str:
    """Everything the script depends on: the stories told and the options that shape the writing."""
    parts = {"day": plan.day, "stories": [[s.id for s in c.stories] for c in plan.chosen],
             "updates": [c.update_of for c in plan.chosen], "hosts": [opts.host_a, opts.host_b],
             "style": opts.style, "minutes": opts.minutes, "llm": opts.llm, "seed": opts.seed,
             "prompts": load_prompts()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _saved_script(plan: ShowPlan, opts: EpisodeOptions) -> Script | None:
    path = _script_file(plan.day)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("key") == _script_key(plan, opts):
            return Script.from_json(saved["script"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("saved script %s is unusable (%s); writing a new one", path, e)
    return None


def _save_script(plan: ShowPlan, opts: EpisodeOptions, script: Script) -> None:
    path = _script_file(plan.day)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": _script_key(plan, opts), "script": script.to_json()})
    except (OSError, OutputError) as e:      # resuming is a convenience; the episode goes on
        log.warning("cannot save the script for a resume (%s)", e)


def _free_memory() -> None:
    """Let the LLM's memory go before speech (the GPU and small machines need it)."""
    import torch
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()

