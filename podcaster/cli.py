"""The command line: flags in, a config to the pipeline, errors out as one line and an exit code."""
from __future__ import annotations

import logging
import signal
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .config import (
    DEFAULT_BASE_URL,
    DEVICES,
    RUNTIMES,
    EpisodeOptions,
    default_out_dir,
    load_host,
    load_style,
    parse_duration,
    preset_names,
)
from .errors import PodcasterError, UsageError
from .terminal import StageProgress, print_error, print_table, setup_logging

HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, context_settings=HELP,
                  help="Turn your RSS feeds into a daily two-host podcast, made on your own hardware.")
log = logging.getLogger("podcaster")
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)    # --date


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _fail(error: PodcasterError) -> None:
    print_error(str(error))
    raise typer.Exit(error.exit_code)


def _config_option():
    return typer.Option(None, "--config", help="Profile (TOML) to use. "
                                               "[default: profile.toml in the per-user config folder]")


def _choices(values: tuple[str, ...]):
    """-h shows the choices and the shell completes them; the value is checked with the profile's
    (EpisodeOptions.validate), so a bad one is the same one line from either."""
    return {"metavar": "[" + "|".join(values) + "]",
            "autocompletion": lambda incomplete: [v for v in values if v.startswith(incomplete)]}


def _runtime_option():
    return typer.Option(None, "--runtime", help="TTS runtime. [default: auto]", **_choices(RUNTIMES))


def _device_option():
    return typer.Option(None, "--device", help="Where the models run. [default: auto: cuda if there is a GPU]",
                        **_choices(DEVICES))


def _quiet_option():
    return typer.Option(False, "--quiet", "-q", help="Only warnings and errors on stderr, for cron (the run's log file "
                                                     "has everything).")


def _run_time(day: Optional[str]) -> Optional[datetime]:
    """--date YYYY-MM-DD: replay a day as at its end (23:59:59 local); today means now."""
    if day is None:
        return None
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        raise UsageError(f"--date {day!r} is not a date; use YYYY-MM-DD, e.g. --date 2026-11-26") from None
    if not FIRST_DAY <= chosen <= LAST_DAY:    # date's own range ends where "as at its end" and windows overflow
        raise UsageError(f"--date {day} is out of range; give a day from {FIRST_DAY} to {LAST_DAY}")
    if chosen == date.today():
        return None
    return datetime.combine(chosen, time(23, 59, 59)).astimezone()


def _options(config: Optional[Path], since: Optional[str], **flags) -> EpisodeOptions:
    from .profile import episode_options, load_profile
    profile = load_profile(config, required=config is not None)
    # `--since ""` is a mistake to report, not the default
    return episode_options(profile, since=parse_duration(since) if since is not None else None, **flags)


@app.command(short_help="Make today's episode from your feeds.")
def daily(
    feeds: Optional[Path] = typer.Option(None, "--feeds", help="Feeds list: one URL or local file per line, # "
                                                               "comments. [default: the profile's feeds]"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder. [default: the profile's output_dir, else "
                                                           "the per-user data folder]"),
    minutes: Optional[float] = typer.Option(None, "--minutes", help="Target length in minutes. [default: 5]"),
    host_a: Optional[str] = typer.Option(None, "--host-a", help="Voice preset of the first host (see `podcaster "
                                                                "voices`). [default: ava]"),
    host_b: Optional[str] = typer.Option(None, "--host-b", help="Voice preset of the second host. [default: kai]"),
    style: Optional[str] = typer.Option(None, "--style", help="Style preset (see `podcaster styles`). "
                                                              "[default: morning]"),
    llm: Optional[str] = typer.Option(None, "--llm", help="LLM: Hugging Face id, local folder or .gguf file. "
                                                          "[default: automatic]"),
    tts: Optional[str] = typer.Option(None, "--tts", help="Kokoro weights: Hugging Face id, folder or .onnx. "
                                                          "[default: automatic]"),
    runtime: Optional[str] = _runtime_option(),
    device: Optional[str] = _device_option(),
    since: Optional[str] = typer.Option(None, "--since", help="Story window, e.g. 24h, 2d, 90m. [default: 24h]"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Sampling seed, for repeatable scripts. [default: 0]"),
    sting: Optional[Path] = typer.Option(None, "--sting", help="Your own intro/outro sting (audio file)."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Your own music bed (audio file)."),
    artwork: Optional[Path] = typer.Option(None, "--artwork", help="Cover image (PNG or JPEG) for the MP3 and the "
                                                                   "feed."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="URL where the output folder is served, for "
                                                                    f"feed.xml. [default: {DEFAULT_BASE_URL}]"),
    keep: Optional[int] = typer.Option(None, "--keep", help="Keep the newest N episodes; older ones are deleted. "
                                                            "[default: 30]"),
    day: Optional[str] = typer.Option(None, "--date", help="Make the episode of another day (YYYY-MM-DD), as at its "
                                                           "end: for replays and tests."),
    force: bool = typer.Option(False, "--force", help="Make today's episode (with --script-only: its script) again "
                                                      "even if it exists."),
    demo: bool = typer.Option(False, "--demo", help="The demo show: three feeds of fictional news that ship with "
                                                    "podcaster, into the data folder's demo/ (no network needed)."),
    script_only: bool = typer.Option(False, "--script-only", help="Write the script (text to edit, and JSON) and "
                                                                  "stop; `podcaster speak FILE` makes the episode."),
    config: Optional[Path] = _config_option(),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    quiet: bool = _quiet_option(),
) -> None:
    """Make today's episode: fetch the feeds, write the script, speak it, mix the MP3."""
    def run(progress):
        from .pipeline import draft_script, run_daily
        opts = _options(config, since, feeds=feeds, out=out, minutes=minutes, host_a=host_a, host_b=host_b,
                        style=style, llm=llm, tts=tts, runtime=runtime, device=device, seed=seed, sting=sting,
                        bed=bed, artwork=artwork, base_url=base_url, keep=keep)
        now = _run_time(day)
        if demo:
            from .demo import DEMO_DAY, demo_options
            if feeds:
                raise UsageError("--demo reads the demo's own feeds; leave out --feeds")
            opts = demo_options(opts, out)
            now = now or _run_time(DEMO_DAY.isoformat())
        if script_only:
            return draft_script(opts.resolve(), now=now, progress=progress, force=force)
        return run_daily(opts.resolve(), now=now, force=force, progress=progress)
    _run_job(run, verbose, quiet)


@app.command(short_help="Make an episode from a script file (--script-only).")
def speak(
    script: Path = typer.Argument(..., help="The .script.txt (or .script.json) `daily --script-only` wrote, as "
                                            "you edited it."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder. [default: the one the script was written "
                                                           "for]"),
    tts: Optional[str] = typer.Option(None, "--tts", help="Kokoro weights, as for daily. [default: automatic]"),
    runtime: Optional[str] = _runtime_option(),
    device: Optional[str] = _device_option(),
    sting: Optional[Path] = typer.Option(None, "--sting", help="Your own intro/outro sting (audio file)."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Your own music bed (audio file)."),
    artwork: Optional[Path] = typer.Option(None, "--artwork", help="Cover image (PNG or JPEG)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="URL where the output folder is served."),
    keep: Optional[int] = typer.Option(None, "--keep", help="Keep the newest N episodes. [default: 30]"),
    force: bool = typer.Option(False, "--force", help="Replace the episode of the script's day if it exists."),
    config: Optional[Path] = _config_option(),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    quiet: bool = _quiet_option(),
) -> None:
    """Speak a script written by `daily --script-only` (and edited) into the day's episode: the MP3,
    transcript, chapters, show notes, feed and memory, as `daily` makes them. The script is spoken
    whole, in the hosts and style it was written for; every line is checked before anything loads."""
    def run(progress):
        from .pipeline import speak_draft
        opts = _options(config, None, out=out, tts=tts, runtime=runtime, device=device, sting=sting, bed=bed,
                        artwork=artwork, base_url=base_url, keep=keep)
        return speak_draft(script, opts, force=force, progress=progress, out=out)
    _run_job(run, verbose, quiet)


def _run_job(run, verbose: bool, quiet: bool) -> None:
    """A job that makes files (daily, speak): logged to its file, drawn as progress, one line at the end."""
    # SIGTERM (cron timeouts, systemd stop) unwinds like Ctrl-C, so temp files are removed
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        setup_logging(verbose, log_file=True, quiet=quiet)
        with StageProgress(quiet) as progress:
            result = run(progress)
    except PodcasterError as e:
        _fail(e)
    except KeyboardInterrupt:
        print_error("interrupted; nothing was published")
        raise typer.Exit(130)
    log.info("%s: %s", result.status, result.message)
    print(result.message)


@app.command(short_help="Show today's stories ranked, and which make the show.")
def preview(
    feeds: Optional[Path] = typer.Option(None, "--feeds", help="Feeds list. [default: the profile's feeds]"),
    minutes: Optional[float] = typer.Option(None, "--minutes", help="Target length, which sets how many stories fit."),
    style: Optional[str] = typer.Option(None, "--style", help="Style preset."),
    since: Optional[str] = typer.Option(None, "--since", help="Story window, e.g. 24h, 2d."),
    day: Optional[str] = typer.Option(None, "--date", help="Rank as on another day (YYYY-MM-DD)."),
    config: Optional[Path] = _config_option(),
) -> None:
    """Show how today's stories rank and which make the show, without making anything."""
    from .memory import History, history_path
    from .pipeline import plan_show
    setup_logging(False)
    log.setLevel(logging.WARNING)       # the table is the output; failed feeds still show
    try:
        opts = _options(config, since, feeds=feeds, minutes=minutes, style=style)
        run = opts.resolve()
        now = _run_time(day) or datetime.now().astimezone()
        if history_path().is_file():        # a preview reads memory; it never creates it
            with History.open() as history:
                plan = plan_show(run, now, history)
        else:
            plan = plan_show(run, now)
    except PodcasterError as e:
        _fail(e)
    chosen = {c.id for c in plan.chosen}
    print_table(("", "score", "story", "why", "sources"),
                [("✓" if cluster.id in chosen else "", f"{cluster.score:.2f}", cluster.title,
                  ", ".join(cluster.reasons), ", ".join(cluster.sources)) for cluster in plan.ranked],
                title=f"Stories for {plan.day}")
    reasons = Counter(_why_left_out(why) for why in plan.left_out.values())
    left = ", ".join(f"{n} {why}" for why, n in reasons.items())
    print(f"{len(chosen)} of {len(plan.ranked)} stories fit {opts.minutes:g} minutes"
          + (f"; left out: {left}" if left else ""))


def _why_left_out(reason: str) -> str:
    """A story's reason for being left out (select.rank_clusters, pipeline) as the summary counts it."""
    if reason.startswith("covered"):
        return "told before"
    if reason.startswith("no text"):
        return "with no text in the feed or at the link"
    return "excluded by " + reason.split(" ")[0]      # topic, keyword or source


@app.command(short_help="Time each stage of an episode on this machine.")
def bench(
    feeds: Optional[Path] = typer.Option(None, "--feeds", help="Feeds list to make the episode from. "
                                                               "[default: the profile's feeds]"),
    minutes: Optional[float] = typer.Option(None, "--minutes", help="Target length of the episode. [default: 5]"),
    llm: Optional[str] = typer.Option(None, "--llm", help="LLM, as for daily. [default: automatic]"),
    tts: Optional[str] = typer.Option(None, "--tts", help="Kokoro weights, as for daily. [default: automatic]"),
    runtime: Optional[str] = _runtime_option(),
    device: Optional[str] = _device_option(),
    day: Optional[str] = typer.Option(None, "--date", help="Make the episode of another day (YYYY-MM-DD)."),
    tokens: int = typer.Option(32, "--tokens", min=1, help="New tokens per LLM speed measurement."),
    lines: int = typer.Option(8, "--lines", min=1, help="Lines of the episode for the TTS speed measurement."),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Repeats of each speed measurement (medians are shown)."),
    config: Optional[Path] = _config_option(),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Time this machine making an episode: each stage, LLM tokens/s and TTS real-time factor against
    the naive way, peak memory. Uses a throwaway output folder and history."""
    from .bench import run_bench
    setup_logging(verbose, quiet=not verbose)
    try:
        opts = _options(config, None, feeds=feeds, minutes=minutes, llm=llm, tts=tts, runtime=runtime, device=device)
        rows = run_bench(opts, _run_time(day), tokens=tokens, lines=lines, repeats=repeats)
    except PodcasterError as e:
        _fail(e)
    except KeyboardInterrupt:
        print_error("interrupted")
        raise typer.Exit(130)
    print_table(("what", "value", "notes"), [(row.what, row.value, row.note) for row in rows],
                title="podcaster bench", min_width=120)


@app.command(short_help="List past episodes and what they covered.")
def history() -> None:
    """List past episodes and what they covered."""
    from .memory import History
    try:
        with History.open() as memory:
            episodes = memory.episodes()
    except PodcasterError as e:
        _fail(e)
    if not episodes:
        print("no episodes yet; `podcaster daily` makes the first")
        return
    rows = []
    for past in episodes:
        minutes, seconds = divmod(round(past.duration), 60)
        stories = "\n".join(f"{'(update) ' if update else ''}{title}  [{', '.join(sources)}]"
                             for title, sources, update in past.segments)
        rows.append((past.date, f"{minutes}:{seconds:02d}", stories, past.mp3 if past.mp3.is_file() else "(deleted)"))
    print_table(("date", "length", "stories", "file"), rows)


@app.command(short_help="Write a starter profile, or copy a preset to edit.")
def init(config: Optional[Path] = _config_option(),
         copy: Optional[str] = typer.Option(None, "--copy", help="Instead, copy a bundled preset into your config "
                                                                "folder to edit: hosts/NAME, styles/NAME, prompts, "
                                                                "topics or lexicon. Yours then override the bundled."),
         force: bool = typer.Option(False, "--force", help="Replace an existing profile or --copy file (a .bak copy "
                                                           "is kept).")) -> None:
    """Write a commented starter profile to edit (or, with --copy, a preset of your own)."""
    from .config import copy_preset, user_presets_dir
    from .profile import default_profile_path, write_starter
    try:
        if copy and config:
            raise UsageError(f"--copy writes to your presets folder, {user_presets_dir()}, whatever --config says; "
                             f"leave out --config (PODCASTER_CONFIG moves that folder)")
        if copy:
            path = copy_preset(copy, overwrite=force)
        else:
            path = write_starter(config or default_profile_path(), overwrite=force)
    except PodcasterError as e:
        _fail(e)
    note = "podcaster reads it over the bundled one" if copy else "feeds, interests, exclusions, hosts, style"
    print(f"{path}  (edit it: {note})")


feeds_app = typer.Typer(help="Your subscriptions: list them, import a feed reader's OPML.", no_args_is_help=True,
                        context_settings=HELP, short_help="Your subscriptions: list them, import OPML.")
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("import")
def feeds_import(opml: Path = typer.Argument(..., help="OPML file exported by a feed reader."),
                 config: Optional[Path] = _config_option()) -> None:
    """Add the feeds of an OPML subscription list to the profile."""
    from .profile import add_feeds, default_profile_path, read_opml
    path = config or default_profile_path()
    try:
        added, already = add_feeds(path, read_opml(opml))
    except PodcasterError as e:
        _fail(e)
    print(f"{path}: {added} feeds added" + (f", {already} already there" if already else ""))


@feeds_app.command("list")
def feeds_list(config: Optional[Path] = _config_option()) -> None:
    """Show the profile's feeds."""
    from .config import read_feeds_list
    from .profile import load_profile
    try:
        profile = load_profile(config, required=config is not None)
        listed = [(title, location, "profile") for location, title in profile.feeds]
        if profile.options.get("feeds"):
            listed += [("", location, str(profile.options["feeds"]))
                       for location in read_feeds_list(profile.options["feeds"])]
    except PodcasterError as e:
        _fail(e)
    if profile.path is None:
        print("no profile yet; `podcaster init` writes one, `podcaster feeds import FILE.opml` adds feeds")
        return
    print_table(("title", "feed", "from"), listed, title=str(profile.path))


@app.command(short_help="List the topics interests and exclusions can name.")
def topics(config: Optional[Path] = _config_option()) -> None:
    """List the topics interests and exclusions can name (and their keywords)."""
    from .config import load_topics
    from .profile import load_profile
    try:
        known = load_topics(load_profile(config, required=config is not None).topics)
    except PodcasterError as e:
        _fail(e)
    print_table(("topic", "keywords"), [(name, ", ".join(words)) for name, words in sorted(known.items())])


@app.command(short_help="Rebuild feed.xml from the episodes in a folder.")
def feed(
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder holding the episodes. "
                                                           "[default: the profile's output_dir, else the per-user data "
                                                           "folder]"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="URL where that folder is served. "
                                                                    "[default: the profile's base_url, else "
                                                                    f"{DEFAULT_BASE_URL}]"),
    config: Optional[Path] = _config_option(),
) -> None:
    """Rebuild feed.xml (the podcast feed) from the episodes in the output folder."""
    from .podcast_feed import kept_episodes
    from .profile import load_profile
    from .publish import ensure_writable, write_feed
    from .types import Show
    setup_logging(False)        # an episode left out of the feed is a warning worth seeing
    try:
        options = load_profile(config, required=config is not None).options
        folder = ensure_writable(out or options.get("out") or default_out_dir())
        episodes = kept_episodes(folder)
        path = write_feed(folder, base_url or options.get("base_url") or DEFAULT_BASE_URL, episodes,
                          show=options.get("show", Show()))
    except PodcasterError as e:
        _fail(e)
    print(f"{path}  ({len(episodes)} episodes)")


@app.command("convert-kokoro", short_help="Convert Kokoro's ONNX weights for the torch runtime.")
def convert_kokoro(
    onnx: Optional[Path] = typer.Argument(None, help="A Kokoro-82M .onnx file. "
                                                     "[default: the offline set's int8 model]"),
    voices: Optional[Path] = typer.Option(None, "--voices", help="Its voices .npz. [default: the offline set's]"),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to write. [default: the model cache, where "
                                                          "--runtime torch looks for it]"),
) -> None:
    """Convert Kokoro-82M's ONNX weights into a folder the torch runtime loads (automatic on first use)."""
    setup_logging(False)
    from .speech.runtimes import torch_folder
    try:
        folder = torch_folder(onnx, voices, out)
    except PodcasterError as e:
        _fail(e)
    print(f"{folder}  (use it with --runtime torch --tts {folder})")


@app.command(short_help="List the hosts (voice presets); --sample hears them.")
def voices(
    sample: Optional[Path] = typer.Option(None, "--sample", help="Also write a short clip of each host into this "
                                                                 "folder (FOLDER/PRESET.mp3), spoken by the TTS "
                                                                 "daily would use."),
    tts: Optional[str] = typer.Option(None, "--tts", help="With --sample: Kokoro weights, as for daily. "
                                                          "[default: automatic]"),
    runtime: Optional[str] = _runtime_option(),
    device: Optional[str] = _device_option(),
    config: Optional[Path] = _config_option(),
) -> None:
    """List the voice presets (hosts), yours and the bundled ones; --sample FOLDER lets you hear each."""
    from .config import preset_origin, preset_path, user_presets_dir
    try:
        if sample is None and (tts or runtime or device):
            raise UsageError("--tts, --runtime and --device choose the TTS of --sample; add --sample FOLDER")
        rows = []
        for key in preset_names("hosts"):
            host = load_host(key)
            rows.append((key, host.name, host.persona, ", ".join(host.kokoro_voices), f"{host.speed:g}",
                         preset_origin(preset_path("hosts", key))))
        print_table(("preset", "name", "persona", "Kokoro voices", "speed", "from"), rows)
        print(f"yours: the NAME.toml files in {user_presets_dir() / 'hosts'} (`podcaster init --copy hosts/ava` "
              f"starts one)")
        if sample is not None:
            from .samples import write_samples
            setup_logging(False)
            opts = _options(config, None, tts=tts, runtime=runtime, device=device)
            for clip in write_samples(opts, sample):
                print(f"{clip.path}  ({clip.host.name}, voice {clip.voice}, {clip.seconds:.1f} s)")
    except PodcasterError as e:
        _fail(e)
    except KeyboardInterrupt:
        print_error("interrupted")
        raise typer.Exit(130)


@app.command(short_help="List the style presets.")
def styles() -> None:
    """List the style presets, yours and the bundled ones."""
    from .config import preset_origin, preset_path, user_presets_dir
    rows = []
    try:
        for key in preset_names("styles"):
            s = load_style(key)
            rows.append((key, s.description, f"{s.speed:g}", s.words_per_minute, s.words_per_story,
                         preset_origin(preset_path("styles", key))))
    except PodcasterError as e:
        _fail(e)
    print_table(("preset", "description", "speed", "words/min", "words/story", "from"), rows)
    print(f"yours: the NAME.toml files in {user_presets_dir() / 'styles'} (`podcaster init --copy styles/morning` "
          f"starts one)")


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
