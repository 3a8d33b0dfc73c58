"""ID3v2 tags for the episode MP3: title, show, hosts, description, artwork, and chapters.

Chapters are CHAP frames (one per story, titled, with the story's link) listed in order by a
top-level CTOC table of contents, as podcast apps expect (ID3v2 Chapter Frame Addendum).
"""
from __future__ import annotations

from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TPE1, WXXX, CTOCFlags

from .artwork import image_mime
from .types import Chapter


def write_tags(mp3: Path, *, title: str, show: str, hosts: str, date: str, description: str,
               chapters: list[Chapter], artwork: Path | None = None) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TALB(encoding=3, text=show))
    tags.add(TPE1(encoding=3, text=hosts))
    tags.add(TDRC(encoding=3, text=date))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=description))
    if artwork:
        tags.add(APIC(encoding=3, mime=image_mime(artwork), type=3, desc="Cover", data=artwork.read_bytes()))
    ids = [f"chp{i}" for i in range(len(chapters))]
    for element_id, chapter in zip(ids, chapters):
        sub_frames = [TIT2(encoding=3, text=chapter.title)]
        if chapter.link:
            sub_frames.append(WXXX(encoding=3, desc="", url=chapter.link))
        tags.add(CHAP(element_id=element_id, start_time=round(chapter.start * 1000),
                      end_time=round(chapter.end * 1000), sub_frames=sub_frames))
    if ids:
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text="Stories")]))
    tags.save(mp3, v2_version=3)
