"""The one place where the stages meet: feeds -> stories -> script -> speech -> mix -> files."""
from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from . import feeds as feeds_stage
from .config import EpisodeOptions, load_host, load_prompts, load_style
from .errors import NoStoriesError
from .mix import load_sounds, mix_lines
from .models import resolve_device
from .publish import ensure_writable, publish_episode
from .select import choose_stories, recent_stories, story_count
from .speech import load_tts, pick_voice, render_turns
from .types import Episode, Story
from .writer import WordBudget, write_script
from .writer.llm import load_llm

log = logging.getLogger(__name__)

# progress(stage, done, total): how far a long stage has come; the CLI draws or logs it
Progress = Callable[[str, int, int], None]


def gather_stories(locations: list[str], opts: EpisodeOptions, now: datetime) -> tuple[list[Story], list[str]]:
    """Fetch every feed; return today's candidate stories and the feeds that failed (with why)."""
    results = feeds_stage.fetch_feeds(locations)
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
    return recent_stories(stories, now, opts.since), failed


def make_episode(opts: EpisodeOptions, now: datetime | None = None,
                 progress: Progress | None = None) -> Episode:
    progress = progress or (lambda stage, done, total: None)
    opts.validate()
    now = now or datetime.now(timezone.utc)
    day = now.astimezone().date()
    locations = feeds_stage.read_feeds_file(opts.feeds)
    hosts = (load_host(opts.host_a), load_host(opts.host_b))
    style = load_style(opts.style)
    out = ensure_writable(opts.out)
    device = resolve_device(opts.device)

    progress("feeds", 0, 1)
    candidates, failed = gather_stories(locations, opts, now)
    total_words = round(opts.minutes * style.words_per_minute)
    count = story_count(total_words, style.words_per_story, WordBudget.split(total_words, 1).opening)
    stories = choose_stories(candidates, count)
    log.info("stories chosen: %d of %d candidates", len(stories), len(candidates))
    progress("feeds", 1, 1)

    # The TTS is small and checks the voices, so it loads first: a bad voice fails in seconds.
    engine = load_tts(opts.tts, opts.runtime, device)
    voices = {host.key: pick_voice(host, engine) for host in hosts}
    sounds = load_sounds(style, engine.sample_rate, opts.sting, opts.bed)

    llm = load_llm(opts.llm, device)
    script = write_script(stories, hosts, style, llm, opts.minutes, day, load_prompts(), opts.seed,
                          on_segment=lambda done, total: progress("script", done, total))
    del llm
    _free_memory()

    lines = render_turns(script.turns, {h.key: h for h in hosts}, voices, style, engine,
                         on_line=lambda done, total: progress("speech", done, total))
    progress("mix", 0, 1)
    samples, rate, spans = mix_lines(lines, style, sounds)
    episode = publish_episode(out, script, samples, rate, spans, base_url=opts.base_url, artwork=opts.artwork,
                              failed_feeds=failed)
    progress("mix", 1, 1)
    return episode


def _free_memory() -> None:
    """Let the LLM's memory go before speech (the GPU and small machines need it)."""
    import torch
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
