"""ID3v2 tags for the episode MP3: title, show (name, author, language), hosts, description, artwork, and
chapters.

Chapters are CHAP frames (one per story, titled, with the story's link) listed in order by a
top-level CTOC table of contents, as podcast apps expect (ID3v2 Chapter Frame Addendum). Players
built on ffmpeg (VLC, mpv, ...) ignore the CTOC and list CHAP frames in the order they are stored,
and mutagen stores frames by size: so the CHAP frames are put back in time order in the file.
"""
from __future__ import annotations

import struct
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, WXXX, CTOCFlags

from .artwork import image_mime
from .types import Chapter, Show

# ID3's TLAN takes ISO 639-2 codes; a show's language is English (profile.py refuses others)
ISO_639_2 = {"en": "eng"}


def write_tags(mp3: Path, *, title: str, show: Show, hosts: str, date: str, description: str,
               chapters: list[Chapter], artwork: Path | None = None) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TALB(encoding=3, text=show.name))
    tags.add(TPE1(encoding=3, text=hosts))
    if show.author:
        tags.add(TPE2(encoding=3, text=show.author))
    language = ISO_639_2.get(show.language.split("-")[0].lower())
    if language:
        tags.add(TLAN(encoding=3, text=language))
    tags.add(TDRC(encoding=3, text=date))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=description))
    if artwork:
        tags.add(APIC(encoding=3, mime=image_mime(artwork), type=3, desc="Cover", data=artwork.read_bytes()))
    chapters = sorted(chapters, key=lambda c: c.start)
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
    if len(chapters) > 1:
        _chapters_in_time_order(mp3)


def _frames(body: bytes) -> list[bytes]:
    """An ID3v2.3 tag's frames (header and data each), up to its padding."""
    frames, at = [], 0
    while at + 10 <= len(body) and body[at:at + 4].strip(b"\0"):
        size = struct.unpack(">I", body[at + 4:at + 8])[0]        # v2.3: a plain 32-bit size
        frames.append(body[at:at + 10 + size])
        at += 10 + size
    return frames


def _chap_start(frame: bytes) -> int:
    """A CHAP frame's start time (ms): after its null-terminated element id."""
    end_of_id = frame.index(b"\0", 10)
    return struct.unpack(">I", frame[end_of_id + 1:end_of_id + 5])[0]


def _chapters_in_time_order(mp3: Path) -> None:
    """The file's CHAP frames stored in start-time order, every other frame where it was; the tag keeps
    its size (frames move, none grows), so the audio after it is untouched."""
    with open(mp3, "r+b") as f:
        header = f.read(10)
        size = sum(b << (7 * (3 - i)) for i, b in enumerate(header[6:10]))    # syncsafe
        body = f.read(size)
        frames = _frames(body)
        chaps = iter(sorted((fr for fr in frames if fr[:4] == b"CHAP"), key=_chap_start))
        ordered = b"".join(next(chaps) if fr[:4] == b"CHAP" else fr for fr in frames)
        f.seek(10)
        f.write(ordered)
