"""Text beside the audio: a WebVTT transcript, show notes (Markdown and HTML), chapters JSON."""
from __future__ import annotations

import html
import json
import re

from .types import Chapter, Cluster, Script, Story


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(script: Script, spans: list[tuple[float, float]]) -> str:
    """One cue per turn, voiced by its host (<v Name>), timed by the rendered audio."""
    cues = ["WEBVTT", ""]
    for i, (turn, (start, end)) in enumerate(zip(script.turns, spans), 1):
        name = script.hosts[turn.speaker].replace(">", "")
        text = turn.text.replace("-->", "->").replace("<", "&lt;")
        cues += [str(i), f"{_timestamp(start)} --> {_timestamp(end)}", f"<v {name}>{text}", ""]
    return "\n".join(cues)


def summary(story: Story, limit: int = 200) -> str:
    """The story's first sentence, cut at a word boundary."""
    first = re.split(r"(?<=[.!?])\s+", story.body.strip(), maxsplit=1)[0] if story.body.strip() else story.title
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def _segment_note(cluster: Cluster) -> str:
    return f"Update on the story from {cluster.update_of}. " if cluster.update_of else ""


def show_notes_markdown(script: Script, chapters: list[Chapter]) -> str:
    starts = {c.title: c.start for c in chapters}
    lines = [f"# {script.title}", "", f"With {' and '.join(script.hosts.values())}.", ""]
    for cluster in script.clusters:
        at = starts.get(cluster.title)
        stamp = f" ({_timestamp(at)[:8]})" if at is not None else ""
        sources = ", ".join(f"[{s.source}]({s.link})" if s.link else s.source for s in cluster.stories)
        lines += [f"## {cluster.title}{stamp}", "", _segment_note(cluster) + summary(cluster.stories[0]), "",
                  f"{'Sources' if len(cluster.stories) > 1 else 'Source'}: {sources}", ""]
    return "\n".join(lines)


def show_notes_html(script: Script, chapters: list[Chapter]) -> str:
    esc = html.escape
    starts = {c.title: c.start for c in chapters}
    parts = [f"<h1>{esc(script.title)}</h1>", f"<p>With {esc(' and '.join(script.hosts.values()))}.</p>"]
    for cluster in script.clusters:
        at = starts.get(cluster.title)
        stamp = f" <small>({_timestamp(at)[:8]})</small>" if at is not None else ""
        sources = ", ".join(f'<a href="{esc(s.link, quote=True)}">{esc(s.source)}</a>' if s.link else esc(s.source)
                            for s in cluster.stories)
        parts += [f"<h2>{esc(cluster.title)}{stamp}</h2>",
                  f"<p>{esc(_segment_note(cluster) + summary(cluster.stories[0]))}</p>",
                  f"<p>{'Sources' if len(cluster.stories) > 1 else 'Source'}: {sources}</p>"]
    return "\n".join(parts) + "\n"


def chapters_json(chapters: list[Chapter]) -> str:
    """Podcasting 2.0 JSON chapters (podcast:chapters)."""
    items = [{"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title,
              **({"url": c.link} if c.link else {})} for c in chapters]
    return json.dumps({"version": "1.2.0", "chapters": items}, indent=2, ensure_ascii=False) + "\n"


def story_chapters(script: Script, spans: list[tuple[float, float]], duration: float) -> list[Chapter]:
    """One chapter per story segment, from its first spoken line to the next segment's first line."""
    firsts: list[tuple[float, Cluster]] = []
    by_story = {s.id: c for c in script.clusters for s in c.stories}
    seen: set[str] = set()
    for turn, (start, _) in zip(script.turns, spans):
        for sid in turn.story_ids:
            cluster = by_story.get(sid)
            if cluster and cluster.id not in seen:
                seen.add(cluster.id)
                firsts.append((start, cluster))
    chapters = []
    for i, (start, cluster) in enumerate(firsts):
        end = firsts[i + 1][0] if i + 1 < len(firsts) else duration
        chapters.append(Chapter(cluster.title, start, end, cluster.link))
    return chapters
