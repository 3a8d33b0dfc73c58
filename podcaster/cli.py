"""The command line: flags in, a config to the pipeline, errors out as one line and an exit code."""
from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .config import (EpisodeOptions, default_out_dir, load_host, load_style, parse_duration, preset_names)
from .errors import PodcasterError
from .podcast_feed import DEFAULT_BASE_URL

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Turn your RSS feeds into a daily two-host podcast, made on your own hardware.")
console = Console(stderr=True)
log = logging.getLogger("podcaster")


def _setup_logging(verbose: bool) -> None:
    """Rich and progress bars on a terminal; plain timestamped lines and no bars under cron."""
    level = logging.DEBUG if verbose else logging.INFO
    from transformers.utils import logging as hf_logging
    if console.is_terminal:
        from rich.logging import RichHandler
        handler: logging.Handler = RichHandler(console=console, show_path=False, markup=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TQDM_DISABLE", "1")   # e.g. transformers' GGUF conversion bar
        hf_logging.disable_progress_bar()
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    log.setLevel(level)
    # the libraries' own chatter (tokenizer warnings and the like) is not for listeners
    hf_logging.set_verbosity_error()


class _Progress:
    """Stage progress: a Rich bar on a terminal, a log line per step otherwise."""
    LABELS = {"feeds": "Fetching feeds", "script": "Writing script", "speech": "Speaking lines",
              "mix": "Mixing and exporting"}

    def __init__(self) -> None:
        self.bar = None
        self.tasks: dict[str, int] = {}
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console)

    def __enter__(self):
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            if done < total:
                log.info("%s %d/%d", self.LABELS[stage], done + 1, total)
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(self.LABELS[stage], total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _fail(error: PodcasterError) -> None:
    console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(error.exit_code)


@app.command()
def daily(
    feeds: Path = typer.Option(..., "--feeds", help="Feeds list: one URL or local file per line, # comments."),
    out: Path = typer.Option(None, "--out", help="Output folder. [default: the per-user data folder, see README]"),
    minutes: float = typer.Option(5.0, "--minutes", help="Target length in minutes."),
    host_a: str = typer.Option("ava", "--host-a", help="Voice preset of the first host (see `podcaster voices`)."),
    host_b: str = typer.Option("kai", "--host-b", help="Voice preset of the second host."),
    style: str = typer.Option("morning", "--style", help="Style preset (see `podcaster styles`)."),
    llm: Optional[str] = typer.Option(None, "--llm", help="LLM: Hugging Face id, local folder or .gguf file. [default: automatic]"),
    tts: Optional[str] = typer.Option(None, "--tts", help="Kokoro weights: Hugging Face id, folder or .onnx. [default: automatic]"),
    runtime: str = typer.Option("auto", "--runtime", help="TTS runtime: auto, torch or onnx."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    since: str = typer.Option("24h", "--since", help="Story window, e.g. 24h, 2d, 90m."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed, for repeatable scripts."),
    sting: Optional[Path] = typer.Option(None, "--sting", help="Your own intro/outro sting (audio file)."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Your own music bed (audio file)."),
    artwork: Optional[Path] = typer.Option(None, "--artwork", help="Cover image (PNG or JPEG) for the MP3 and the feed."),
    base_url: str = typer.Option(DEFAULT_BASE_URL, "--base-url", help="URL where the output folder is served, for feed.xml."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Make today's episode: fetch the feeds, write the script, speak it, mix the MP3."""
    _setup_logging(verbose)
    # SIGTERM (cron timeouts, systemd stop) unwinds like Ctrl-C, so temp files are removed
    signal.signal(signal.SIGTERM, _interrupt)
    from .pipeline import make_episode
    try:
        opts = EpisodeOptions(feeds=feeds, out=out or default_out_dir(), minutes=minutes, host_a=host_a,
                              host_b=host_b, style=style, llm=llm, tts=tts, runtime=runtime, device=device,
                              since=parse_duration(since), seed=seed, sting=sting, bed=bed, artwork=artwork,
                              base_url=base_url)
        with _Progress() as progress:
            episode = make_episode(opts, progress=progress)
    except PodcasterError as e:
        _fail(e)
    except KeyboardInterrupt:
        console.print("error: interrupted; nothing was published", markup=False, highlight=False)
        raise typer.Exit(130)
    minutes_made, seconds = divmod(round(episode.duration_s), 60)
    count = len(episode.script.stories)
    print(f"{episode.mp3}  ({minutes_made}:{seconds:02d}, {count} {'story' if count == 1 else 'stories'}"
          + (f", {len(episode.failed_feeds)} feeds failed" if episode.failed_feeds else "") + ")")


@app.command()
def feed(
    out: Path = typer.Option(None, "--out", help="Output folder holding the episodes. [default: the per-user data folder]"),
    base_url: str = typer.Option(DEFAULT_BASE_URL, "--base-url", help="URL where that folder is served."),
) -> None:
    """Rebuild feed.xml (the podcast feed) from the episodes in the output folder."""
    from .podcast_feed import kept_episodes
    from .publish import ensure_writable, write_feed
    folder = out or default_out_dir()
    try:
        path = write_feed(ensure_writable(folder), base_url)
    except PodcasterError as e:
        _fail(e)
    print(f"{path}  ({len(kept_episodes(folder))} episodes)")


@app.command()
def voices() -> None:
    """List the voice presets (hosts)."""
    table = Table("preset", "name", "persona", "Kokoro voices", "speed")
    try:
        for key in preset_names("hosts"):
            host = load_host(key)
            table.add_row(key, host.name, host.persona, ", ".join(host.kokoro_voices), f"{host.speed:g}")
    except PodcasterError as e:
        _fail(e)
    Console().print(table)


@app.command()
def styles() -> None:
    """List the style presets."""
    table = Table("preset", "description", "speed", "words/min", "words/story")
    try:
        for key in preset_names("styles"):
            s = load_style(key)
            table.add_row(key, s.description, f"{s.speed:g}", str(s.words_per_minute), str(s.words_per_story))
    except PodcasterError as e:
        _fail(e)
    Console().print(table)


def _version(value: bool) -> None:
    if value:
        print(f"podcaster {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


def main() -> None:
    app()
