"""What a person sees while a run goes: log lines on stderr and in the run's log file, stage progress."""
from __future__ import annotations

import logging
import os
import sys
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .config import data_dir
from .errors import OutputError

console = Console(stderr=True)
log = logging.getLogger("podcaster")


LOGS_KEPT = 30


def print_table(columns: tuple[str, ...], rows, title: str | None = None, min_width: int | None = None) -> None:
    """A table on stdout, every cell and the title shown as written. They hold text from feeds, pages,
    files and profiles, which Rich must never read as markup: a "[/]" in a title would crash the
    command, a "[link=...]" would become a live link in the terminal."""
    table = Table(*columns, title=Text(title) if title else None)
    for row in rows:
        table.add_row(*(Text(str(cell)) for cell in row))
    out = Console()
    if min_width and out.width < min_width:
        out = Console(width=min_width)
    out.print(table)


def print_error(message: str) -> None:
    """`error: <message>` on stderr, the message as written (it may carry a feed's or a file's text)."""
    console.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def setup_logging(verbose: bool, log_file: bool = False, quiet: bool = False) -> None:
    """Rich and progress bars on a terminal; plain timestamped lines and no bars under cron.
    log_file: also a full log of this run in the data folder's logs/ (the newest LOGS_KEPT are kept).
    quiet: only warnings and errors on stderr (the log file still gets everything)."""
    level = logging.DEBUG if verbose else logging.INFO
    if not console.is_terminal:
        # before anything imports tqdm, which reads TQDM_* once (e.g. transformers' GGUF conversion bar)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TQDM_DISABLE", "1")
    from transformers.utils import logging as hf_logging
    if console.is_terminal:
        from rich.logging import RichHandler
        handler: logging.Handler = RichHandler(console=console, show_path=False, markup=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        hf_logging.disable_progress_bar()
    if quiet:
        handler.setLevel(logging.WARNING)
    handlers = [handler]
    if log_file:
        handlers.append(_run_log())
    logging.basicConfig(level=logging.WARNING, handlers=handlers, force=True)
    log.setLevel(level)
    # the libraries' own chatter (tokenizer warnings and the like) is not for listeners
    hf_logging.set_verbosity_error()


def _run_log() -> logging.Handler:
    folder = data_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in sorted(folder.glob("daily-*.log"))[:-LOGS_KEPT + 1]:
            old.unlink()
        handler = logging.FileHandler(folder / f"daily-{datetime.now():%Y-%m-%dT%H-%M-%S}-{os.getpid()}.log",
                                      encoding="utf-8")
    except OSError as e:
        raise OutputError(f"cannot write the run log in {folder} ({e.strerror or e}); "
                          f"set PODCASTER_HOME to a folder you can write") from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    return handler


class StageProgress:
    """Stage progress: a Rich bar on a terminal, a log line per step otherwise."""
    LABELS = {"feeds": "Fetching feeds", "script": "Writing script", "speech": "Speaking lines",
              "mix": "Mixing and exporting"}

    def __init__(self, quiet: bool = False) -> None:
        self.bar = None
        self.tasks: dict[str, int] = {}
        if console.is_terminal and not quiet:
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
