"""Unattended runs, as separate processes: a run killed mid-speech resumes; two runs at once make one episode."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

DAYS = Path(__file__).parent / "fixtures" / "days"


def daily(tmp_path, tiny_llm, tiny_kokoro, date="2026-11-23") -> list[str]:
    return [sys.executable, "-m", "podcaster", "daily", "--feeds", str(DAYS / date / "feeds.txt"),
            "--out", str(tmp_path / "out"), "--llm", str(tiny_llm), "--tts", str(tiny_kokoro), "--runtime", "torch",
            "--device", "cpu", "--style", "headlines", "--minutes", "1.5", "--date", date]


def published(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*") if p.suffix in (".mp3", ".json")) if out.is_dir() else []


def test_a_run_killed_while_speaking_resumes_and_renders_only_what_is_missing(tmp_path, tiny_llm, tiny_kokoro):
    lines = Path(os.environ["PODCASTER_CACHE"]) / "lines"
    out = tmp_path / "out"
    before = set(lines.glob("*.npy")) if lines.is_dir() else set()     # PODCASTER_TEST_CACHE may be shared
    proc = subprocess.Popen(daily(tmp_path, tiny_llm, tiny_kokoro), stderr=subprocess.DEVNULL)
    deadline, cached = time.monotonic() + 300, 0
    while proc.poll() is None and time.monotonic() < deadline:
        assert published(out) == [], "an episode file appeared before speech was done"
        cached = len(set(lines.glob("*.npy")) - before) if lines.is_dir() else 0
        if cached >= 2:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed mid-speech"
    assert published(out) == [] and not list(out.glob("*.mp3*"))

    done = subprocess.run(daily(tmp_path, tiny_llm, tiny_kokoro), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "script: reusing the one saved before an earlier run stopped" in done.stderr
    total, from_cache, to_render = map(int, re.search(
        r"speech: (\d+) lines, (\d+) from the cache, (\d+) to render", done.stderr).groups())
    assert from_cache >= cached and to_render == total - from_cache > 0
    assert "podcaster-2026-11-23.mp3" in done.stdout and "podcaster-2026-11-23.mp3" in published(out)
    assert not list(out.glob(".*.tmp"))


def test_two_runs_started_together_make_exactly_one_episode(tmp_path, tiny_llm, tiny_kokoro):
    command = daily(tmp_path, tiny_llm, tiny_kokoro)
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(*run.communicate(timeout=600), run.returncode) for run in runs]
    results = [(code, stdout, stderr) for stdout, stderr, code in results]
    made = [r for r in results if r[0] == 0 and "stories)" in r[1]]
    others = [r for r in results if r not in made]
    assert len(made) == 1 and len(others) == 1, results
    code, stdout, stderr = others[0]
    # the second either found the lock held, or (had the first already finished) found today's episode
    assert (code == 11 and "error: another `podcaster daily` is running" in stderr) or \
        (code == 0 and "today's episode exists" in stdout), (code, stdout, stderr[-1000:])
    assert [p.name for p in (tmp_path / "out").glob("*.mp3")] == ["podcaster-2026-11-23.mp3"]
    logs = list((Path(os.environ["PODCASTER_HOME"]) / "logs").glob("daily-*.log"))
    assert len(logs) == 2     # a log file per run
