"""Bad input: one line naming the problem, the documented exit code, no traceback, nothing half-written."""
import subprocess
import sys

import pytest
import torch
from typer.testing import CliRunner

from podcaster.cli import app

from conftest import DEMO_FEEDS

runner = CliRunner()


def run(tmp_path, *args):
    out = tmp_path / "out"
    result = runner.invoke(app, ["daily", "--out", str(out), *args])
    leftovers = list(out.iterdir()) if out.is_dir() else []
    return result, leftovers


def feeds_file(tmp_path, text):
    path = tmp_path / "feeds.txt"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("make_args, code, message", [
    (lambda t: ["--feeds", str(t / "nope.txt")], 3, "does not exist"),
    (lambda t: ["--feeds", feeds_file(t, "# nothing\n")], 3, "lists no feeds"),
    (lambda t: ["--feeds", feeds_file(t, "gopher://old\n")], 3, "neither an http(s) URL nor an existing file"),
    (lambda t: ["--feeds", str(DEMO_FEEDS), "--host-a", "zed"], 5, "unknown voice preset 'zed'"),
    (lambda t: ["--feeds", str(DEMO_FEEDS), "--style", "loud"], 5, "unknown style preset 'loud'"),
    (lambda t: ["--feeds", str(DEMO_FEEDS), "--minutes", "0"], 2, "--minutes must be above 0"),
    (lambda t: ["--feeds", str(DEMO_FEEDS), "--minutes", "-2"], 2, "--minutes must be above 0"),
    (lambda t: ["--feeds", str(DEMO_FEEDS), "--device", "tpu"], 2, "--device must be one of"),
    (lambda t: ["--feeds", feeds_file(t, "http://127.0.0.1:9/a\nhttp://127.0.0.1:9/b\n"), "--tts", "x"], 4,
     "none of the 2 feeds could be read"),
])
def test_bad_input_gets_one_line_and_exit_code(tmp_path, make_args, code, message):
    result, leftovers = run(tmp_path, *make_args(tmp_path))
    assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and result.stderr.strip().endswith(errors[0])
    assert "Traceback" not in result.output
    assert leftovers == []


def test_garbage_feeds_only_is_a_clear_error(tmp_path):
    (tmp_path / "page.html").write_text("<html><body><p>hello</p></body></html>")
    (tmp_path / "junk.bin").write_bytes(b"\x00\xff garbage")
    result, leftovers = run(tmp_path, "--feeds", feeds_file(tmp_path, "page.html\njunk.bin\n"))
    assert result.exit_code == 4 and "not an RSS or Atom feed" in result.stderr
    assert leftovers == []


def test_unwritable_out_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["daily", "--feeds", str(DEMO_FEEDS), "--out", str(blocker / "sub")])
    assert result.exit_code == 7 and "cannot write to" in result.stderr and "pass --out" in result.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu(tmp_path):
    result, _ = run(tmp_path, "--feeds", str(DEMO_FEEDS), "--device", "cuda")
    assert result.exit_code == 6 and "no CUDA GPU is available" in result.stderr


def test_console_script_lists_presets_and_exits_cleanly():
    done = subprocess.run([sys.executable, "-m", "podcaster", "voices"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ava" in done.stdout and "jm_kumo" in done.stdout
    done = subprocess.run([sys.executable, "-m", "podcaster", "daily", "--feeds", "/nonexistent"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and done.stderr.strip().startswith("error: feeds file /nonexistent does not exist")
    assert "Traceback" not in done.stderr


def test_sigterm_stops_cleanly_and_publishes_nothing(tmp_path, tiny_llm, tiny_kokoro):
    import os
    import signal
    import time
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "podcaster", "daily", "--feeds", str(DEMO_FEEDS), "--out", str(out),
                             "--llm", str(tiny_llm), "--tts", str(tiny_kokoro), "--device", "cpu", "--minutes", "3"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.monotonic() + 120
    while "Writing script" not in (line := proc.stderr.readline()) and time.monotonic() < deadline:
        assert line or proc.poll() is None, "podcaster ended before writing the script"
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and "interrupted; nothing was published" in rest
    assert "Traceback" not in rest
    assert not [p for p in out.iterdir() if p.suffix in (".mp3", ".tmp", ".json")]
