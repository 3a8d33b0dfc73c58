"""Memory across days: which stories each episode told, in a SQLite file in the data folder.

Ranking reads it so a later day never repeats a story (select.rank_clusters), `podcaster history`
lists it, and retention deletes an episode's records together with its files.
"""
from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as Date, datetime, timedelta
from pathlib import Path

from .errors import BusyError, OutputError
from .types import Covered, Script, Story

SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    date TEXT PRIMARY KEY,          -- YYYY-MM-DD, one episode per day
    title TEXT NOT NULL,
    folder TEXT NOT NULL,           -- the output folder that holds its files
    mp3 TEXT NOT NULL,
    duration REAL NOT NULL,
    made TEXT NOT NULL              -- when it was published (local time with its offset, ISO 8601)
);
-- kept LOOKBACK_DAYS even when its episode is retired, so a story is never told twice
CREATE TABLE IF NOT EXISTS covered (
    date TEXT NOT NULL,
    position INTEGER NOT NULL,      -- segment order in the show
    cluster_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,             -- the start of its text, for matching later reports
    link TEXT NOT NULL,
    source TEXT NOT NULL,
    published TEXT,
    update_of TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (date, story_id)
);
"""
# the columns each table must have: a file with other tables is some other program's database
COLUMNS = {"episodes": {"date", "title", "folder", "mp3", "duration", "made"},
           "covered": {"date", "position", "cluster_id", "story_id", "title", "body", "link", "source", "published",
                       "update_of"}}
BODY_CHARS = 1500       # what select.py reads of a story to match it
LOOKBACK_DAYS = 60      # older coverage no longer blocks a story
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PastEpisode:
    date: str
    title: str
    folder: Path
    mp3: Path
    duration: float
    segments: list[tuple[str, list[str], str]]   # (title, sources, update_of) per story segment


def history_path() -> Path:
    from .config import data_dir
    return data_dir() / "history.db"


@contextmanager
def _errors(path: Path):
    """SQLite's errors as the user's problem and what to do."""
    try:
        yield
    except sqlite3.OperationalError as e:
        text = str(e)
        if "locked" in text or "busy" in text:
            raise BusyError(f"the history database {path} is locked by another program; try again when "
                            f"it is done") from None
        if "full" in text:
            raise OutputError(f"cannot write the history database {path} ({text}); free some space on its "
                              f"disk, or set PODCASTER_HOME to a folder on another") from None
        raise OutputError(f"cannot use the history database {path} ({text}); check that its folder is "
                          f"writable, or set PODCASTER_HOME to one that is") from None
    except sqlite3.DatabaseError as e:
        raise OutputError(f"the history database {path} is damaged ({e}); move it aside and podcaster "
                          f"starts a new one") from None


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    """A history.db whose tables lack our columns was not written by podcaster (or by a much older one)."""
    for table, wanted in COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not wanted <= have:
            missing = ", ".join(sorted(wanted - have))
            raise OutputError(f"{path} is not a podcaster history database (its table {table!r} has no "
                              f"{missing}); move it aside and podcaster starts a new one")


class History:
    """The memory file; open it with `History.open()`, use it inside `with`."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db, self.path = connection, path

    @classmethod
    def open(cls, path: Path | None = None, timeout: float = 5.0) -> History:
        path = path or history_path()
        with _errors(path):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise OutputError(f"cannot create the data folder {path.parent} ({e.strerror or e}); "
                                  f"set PODCASTER_HOME to a folder you can write") from None
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)   # explicit transactions below
            db.executescript(SCHEMA)
            _check_schema(db, path)
        return cls(db, path)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self):
        with _errors(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite ends the transaction itself on some errors (a full disk): then there is nothing
                # to roll back, and the error that matters is the one that ended it
                if self.db.in_transaction:
                    try:
                        self.db.execute("ROLLBACK")
                    except sqlite3.Error as e:
                        log.debug("rollback failed too (%s)", e)
                raise

    def covered(self, before: str, days: int = LOOKBACK_DAYS) -> list[Covered]:
        """Stories told by episodes dated in the `days` before `before` (that day's own episode excluded,
        so remaking a day with --force does not count its first take)."""
        since = (Date.fromisoformat(before) - timedelta(days=days)).isoformat()
        with _errors(self.path):
            rows = self.db.execute(
                "SELECT date, story_id, title, body, link, source, published FROM covered "
                "WHERE date < ? AND date >= ? ORDER BY date, position", (before, since)).fetchall()
        return [Covered(d, Story(sid, title, body, link, source, self._published(published, sid)))
                for d, sid, title, body, link, source, published in rows]

    def _published(self, value, story_id: str) -> datetime | None:
        """A remembered story's publication time; one that is not a time with its offset (the file was
        edited, or written by something else) counts as none: the story stays remembered as told."""
        if not value:
            return None
        try:
            published = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            published = None
        if published is None or published.tzinfo is None:
            log.warning("the history database %s has a bad publication time %r for story %s; ignored",
                        self.path, value, story_id)
            return None
        return published

    def record(self, script: Script, mp3: Path, duration: float) -> None:
        """Remember what an episode told (replacing an earlier take of the same day)."""
        made = datetime.now().astimezone().isoformat(timespec="seconds")
        with self._transaction():
            self.db.execute("DELETE FROM episodes WHERE date = ?", (script.date,))
            self.db.execute("DELETE FROM covered WHERE date = ?", (script.date,))
            self.db.execute("INSERT INTO episodes VALUES (?, ?, ?, ?, ?, ?)",
                            (script.date, script.title, str(mp3.parent.resolve()), str(mp3.resolve()), duration, made))
            self.db.executemany(
                "INSERT OR IGNORE INTO covered VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(script.date, position, cluster.id, s.id, s.title, s.body[:BODY_CHARS], s.link, s.source,
                  s.published.isoformat() if s.published else None, cluster.update_of)
                 for position, cluster in enumerate(script.clusters) for s in cluster.stories])

    def has(self, day: str) -> bool:
        with _errors(self.path):
            return self.db.execute("SELECT 1 FROM episodes WHERE date = ?", (day,)).fetchone() is not None

    def episodes(self) -> list[PastEpisode]:
        """Every remembered episode, newest first, with what it covered."""
        with _errors(self.path):
            rows = self.db.execute("SELECT date, title, folder, mp3, duration FROM episodes "
                                   "ORDER BY date DESC").fetchall()
            covered = self.db.execute("SELECT date, cluster_id, title, source, update_of FROM covered "
                                      "ORDER BY date, position, rowid").fetchall()
        segments: dict[str, dict[str, tuple[str, list[str], str]]] = {}
        for day, cluster_id, title, source, update_of in covered:
            segment = segments.setdefault(day, {}).setdefault(cluster_id, (title, [], update_of))
            if source not in segment[1]:
                segment[1].append(source)
        return [PastEpisode(day, title, Path(folder), Path(mp3), duration, list(segments.get(day, {}).values()))
                for day, title, folder, mp3, duration in rows]

    def forget(self, day: str) -> None:
        """Drop an episode's record (its files are gone); what it told stays remembered for LOOKBACK_DAYS."""
        with self._transaction():
            self.db.execute("DELETE FROM episodes WHERE date = ?", (day,))
            self.db.execute("DELETE FROM covered WHERE date NOT IN (SELECT date FROM episodes) AND "
                            "date < (SELECT date(MAX(date), ?) FROM covered)", (f"-{LOOKBACK_DAYS} days",))
