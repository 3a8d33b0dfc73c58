"""`podcaster bench`: how fast this machine makes an episode, stage by stage, and how the product's way
of running each model compares with the naive way, measured in the same run.

The episode is made from the feeds given, into a throwaway folder, with its own history and line
cache (so no line is read back instead of spoken); the converted models and learnt speaking rates of
the user's cache are used, as a daily run would. Nothing of the user's changes.
"""
from __future__ import annotations

import gc
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from . import __version__
from .config import EpisodeOptions, cache_dir, load_host, load_style
from .errors import ModelError, NoStoriesError
from .models import resolve_device, usable_cores

SEGMENTS = 5    # a 3-story show: opening, 3 stories, sign-off, written in one batch
# the writer's kind of request, long enough that the prompt is not the whole cost
PROMPT = ("Two radio hosts talk about a solar ferry line that opened across a bay: how many passengers "
          "it carried in its first week, how long a crossing takes, and what the harbour master said. "
          "Write their conversation, one line per turn.")


@dataclass
class Row:
    what: str
    value: str
    note: str = ""


class StageClock:
    """A pipeline progress callback that notes when each stage first and last reported, and the
    peak resident memory by then."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, list[float]] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.marks.setdefault(stage, [now, now, 0.0])[1:] = [now, peak_rss_gib()]

    def rows(self, audio_s: float) -> list[Row]:
        rows, before = [], self.start
        labels = {"feeds": "feeds and story choice", "script": "script (LLM)", "speech": "speech (TTS)",
                  "mix": "mix, master and publish"}
        for stage, (first, last, peak) in self.marks.items():
            if stage == "script" and first - before > 0.5:
                rows.append(Row("  load models, speaking rates", f"{first - before:.1f} s"))
            note = f"peak RSS so far {peak:.1f} GiB"
            if stage == "speech":
                note = f"{audio_s / max(last - first, 1e-9):.1f}x real time; " + note
            rows.append(Row(f"  {labels.get(stage, stage)}", f"{last - first:.1f} s", note))
            before = last
        return rows


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def run_bench(opts: EpisodeOptions, now: datetime | None = None, tokens: int = 32, lines: int = 8,
              repeats: int = 3) -> list[Row]:
    """The table of `podcaster bench` (README: 'Benchmark')."""
    device = resolve_device(opts.device)
    rows = machine_rows(device)
    episode, episode_rows = _episode_rows(opts, now)
    rows += episode_rows
    rows += llm_rows(opts.llm, device, tokens, repeats)
    rows += tts_rows(opts, device, [t for t in episode.script.turns if t.text][:lines], repeats)
    if device == "cuda":
        import torch
        rows.append(Row("peak GPU memory", f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB"))
    rows.append(Row("peak resident memory", f"{peak_rss_gib():.2f} GiB", "the whole bench, all stages"))
    return rows


def machine_rows(device: str) -> list[Row]:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0
    rows = [Row("machine", f"{cpu}, {usable_cores()} cores, {ram:.0f} GiB",
                f"{platform.system()} {platform.release()}"),
            Row("software", f"podcaster {__version__}, torch {torch.__version__}",
                f"Python {platform.python_version()}")]
    if device == "cuda":
        rows.append(Row("device", torch.cuda.get_device_name(0), f"CUDA {torch.version.cuda}"))
    else:
        rows.append(Row("device", "cpu", f"{torch.get_num_threads()} torch threads"))
    return rows


@contextmanager
def _throwaway_home():
    """A temporary data folder and line cache; models and speaking rates come from the real cache."""
    real = cache_dir()
    saved = {key: os.environ.get(key) for key in ("PODCASTER_HOME", "PODCASTER_CACHE")}
    with tempfile.TemporaryDirectory(prefix="podcaster-bench-") as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        (real / "models").mkdir(parents=True, exist_ok=True)
        (cache / "models").symlink_to(real / "models", target_is_directory=True)
        if (real / "speaking-rates.json").is_file():
            shutil.copy(real / "speaking-rates.json", cache)
        os.environ.update(PODCASTER_HOME=str(Path(tmp) / "data"), PODCASTER_CACHE=str(cache))
        try:
            yield Path(tmp)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _episode_rows(opts: EpisodeOptions, now: datetime | None):
    from .pipeline import NothingNew, make_episode
    clock = StageClock()
    with _throwaway_home() as tmp:
        try:
            episode = make_episode(replace(opts, out=tmp / "out").resolve(), now, clock)
        except NothingNew as e:     # every story excluded by the profile: an error here, not a quiet day
            raise NoStoriesError(f"nothing to bench: {e}") from None
    total = time.perf_counter() - clock.start
    audio = episode.duration_s
    rows = [Row("episode, end to end", f"{total:.1f} s",
                f"{audio / 60:.2f} min of audio ({audio / total:.1f}x real time), {len(episode.script.turns)} turns, "
                f"{len(episode.script.clusters)} {'story' if len(episode.script.clusters) == 1 else 'stories'}, "
                f"--minutes {opts.minutes:g}")]
    return episode, rows + clock.rows(audio)


def decode_speed(model, tokenizer, device: str, tokens: int, repeats: int, batch: int = 1) -> tuple[float, float]:
    """(new tokens per second after the prompt, all rows together; prompt seconds): medians of
    repeats, sampled as the writer samples, prefill taken out; batch rows of the prompt at once."""
    import torch
    inputs = tokenizer.apply_chat_template([[{"role": "user", "content": PROMPT}]] * batch, add_generation_prompt=True,
                                           return_tensors="pt", return_dict=True).to(device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def timed(count: int, seed: int) -> float:
        torch.manual_seed(seed)
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.generate(**inputs, max_new_tokens=count, min_new_tokens=count, do_sample=True, temperature=0.7,
                       pad_token_id=pad)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    with torch.inference_mode():
        timed(2, 0)                                         # warm-up
        prefill = statistics.median(timed(1, seed) for seed in range(repeats))
        whole = statistics.median(timed(tokens + 1, seed) for seed in range(repeats))
    return batch * tokens / max(whole - prefill, 1e-9), prefill


def llm_rows(spec: str | None, device: str, tokens: int, repeats: int) -> list[Row]:
    """The LLM as the product loads it (int8 linear layers on a CPU) against plain bf16 generate."""
    import torch
    from transformers import AutoModelForCausalLM

    from .writer.llm import llm_source, load_llm
    llm = load_llm(spec, device)
    ours, prefill = decode_speed(llm.model, llm.tokenizer, device, tokens, repeats)
    # the writer's way: a show's segments in one batch (a 3-story show has 5)
    together, _ = decode_speed(llm.model, llm.tokenizer, device, tokens, repeats, batch=SEGMENTS)
    tokenizer, name = llm.tokenizer, llm.name
    del llm
    gc.collect()
    _, source = llm_source(spec, device)
    naive = AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16).to(device).eval()
    plain, plain_prefill = decode_speed(naive, tokenizer, device, tokens, repeats)
    del naive
    gc.collect()
    way = "int8 linear layers" if device == "cpu" else "bf16"
    return [Row("LLM", Path(name).name or name, f"{tokens} sampled tokens after a {PROMPT.count(' ') + 1}-word prompt, "
                f"median of {repeats}"),
            Row(f"  tokens/s, product ({way})", f"{ours:.2f}",
                f"{ours / plain:.2f}x the naive way; prompt {prefill:.2f} s"),
            Row(f"  tokens/s, product, {SEGMENTS} replies at once", f"{together:.2f}",
                f"{together / plain:.2f}x the naive way; the writer's batch of a 3-story show's segments"),
            Row("  tokens/s, naive (bf16 generate)", f"{plain:.2f}", f"prompt {plain_prefill:.2f} s")]


def naive_tts(opts: EpisodeOptions, device: str, engine):
    """The peers' way: each line on its own, one at a time, all cores on it; on a CPU kokoro-onnx
    called directly, where the model is one it can load."""
    from .speech import load_tts
    if device == "cpu" and engine.name != "kokoro-onnx":
        try:
            return load_tts(opts.tts, "onnx", device, streams=1)
        except ModelError:      # a torch-only model (a .pth folder): the same runtime, one line at a time
            pass
    return engine if engine.streams == 1 else load_tts(opts.tts, opts.runtime, device, streams=1)


def tts_rows(opts: EpisodeOptions, device: str, turns: list, repeats: int) -> list[Row]:
    """The lines of the episode just made, spoken as the product speaks them (render_turns, no cache)
    against the naive way (naive_tts)."""
    from .speech import load_tts, pick_voice, render_turns
    from .speech.speakable import speakable
    engine = load_tts(opts.tts, opts.runtime, device)
    alone = naive_tts(opts, device, engine)
    hosts = {key: load_host(key) for key in (opts.host_a, opts.host_b)}
    style = load_style(opts.style)
    voices = {key: pick_voice(host, engine) for key, host in hosts.items()}
    speeds = {key: style.speed * host.speed for key, host in hosts.items()}

    def naive(lines: list) -> float:
        return sum(alone.synthesize(speakable(t.text), voices[t.speaker], speeds[t.speaker]).size for t in lines)

    def ours(lines: list) -> float:
        return sum(line.samples.size for line in render_turns(lines, hosts, voices, style, engine))

    rates = {}
    for way, speak in (("product", ours), ("naive", naive)):
        speak(turns[:engine.streams])                       # warm-up: every session once
        walls, samples = [], 0
        for _ in range(repeats):
            start = time.perf_counter()
            samples = speak(turns)
            walls.append(time.perf_counter() - start)
        rates[way] = samples / engine.sample_rate / statistics.median(walls)
    precision = ", decoder in bf16" if getattr(engine, "bf16", False) else ""
    return [Row("TTS", f"{engine.name}", f"{engine.model}{precision}, {engine.streams} line(s) at once; {len(turns)} "
                                         f"lines of the episode, median of {repeats}"),
            Row("  real-time factor, product", f"{rates['product']:.2f}x",
                f"{rates['product'] / rates['naive']:.2f}x the naive way"),
            Row("  real-time factor, naive (one line at a time)", f"{rates['naive']:.2f}x", alone.name)]
