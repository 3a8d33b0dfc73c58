"""Model faults: a line the TTS cannot say, a TTS that fails on many, an LLM that runs out of memory.

The faults are real: Kokoro refuses a line with nothing to pronounce, and the out-of-memory case runs
the CLI under an address-space limit (what `ulimit -v` or a container sets) with an LLM whose
feed-forward layer needs more than that for any prompt.
"""
import logging
import os
import subprocess
import sys

import pytest

from podcaster.config import load_host, load_style
from podcaster.errors import GenerationError, OutputError
from podcaster.podcast_feed import episode_paths
from podcaster.random_models import build_llm
from podcaster.speech import load_tts, render_turns
from podcaster.speech.runtimes import load_torch
from podcaster.types import Cluster, Script, Story, Turn

from conftest import ROOT

DAYS = ROOT / "tests" / "fixtures" / "days"
UNSAYABLE = "♪♪"     # no phonemes: Kokoro raises on it (the script checks keep such lines out; a saved script may not)
HOSTS = {"ava": load_host("ava"), "kai": load_host("kai")}
VOICES = {"ava": "af_heart", "kai": "am_michael"}


def turns(texts: list[str]) -> list[Turn]:
    return [Turn("ava" if i % 2 == 0 else "kai", text, [], 0) for i, text in enumerate(texts)]


# one line at a time; two side by side (a CPU's way); several in a batch (a GPU's way)
@pytest.mark.parametrize("streams, batch", [(1, False), (2, False), (3, True)])
def test_a_line_the_tts_cannot_say_is_tried_again_then_left_out_and_logged(tiny_kokoro, caplog, streams, batch):
    engine = load_torch(str(tiny_kokoro), "cpu", streams=streams, batch=batch)
    script = turns([f"Line number {n} of the news." for n in range(9)])
    script.insert(3, Turn("kai", UNSAYABLE, [], 0))
    with caplog.at_level(logging.INFO, logger="podcaster"):
        lines = render_turns(script, HOSTS, VOICES, load_style("headlines"), engine)
    assert [line.turn.text for line in lines] == [t.text for t in script if t.text != UNSAYABLE]
    assert all(line.samples.size for line in lines)
    tries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("line 4, try")]
    assert len(tries) == 2
    assert any(r.levelname == "WARNING" and r.getMessage().startswith("line 4 (Kai) left out") for r in caplog.records)


def test_a_batch_the_gpu_cannot_hold_is_spoken_piece_by_piece(tiny_kokoro, caplog, monkeypatch):
    """Out of GPU memory on a batch of pieces costs no line: each piece is spoken alone."""
    from podcaster.speech import batch

    def out_of_memory(*args):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(batch, "forward_batch", out_of_memory)
    engine = load_torch(str(tiny_kokoro), "cpu", streams=3, batch=True)
    script = turns([f"Line number {n} of the news, told at some length." for n in range(6)])
    with caplog.at_level(logging.INFO, logger="podcaster"):
        lines = render_turns(script, HOSTS, VOICES, load_style("headlines"), engine)
    assert [line.turn for line in lines] == script and all(line.samples.size for line in lines)
    assert any("speaking them one at a time" in r.getMessage() for r in caplog.records)


def test_a_tts_that_fails_on_many_lines_gives_up_early_naming_the_first(tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    script = turns(["Good morning.", UNSAYABLE, "Here is the news.", UNSAYABLE, "More news.", UNSAYABLE] + ["Yes."] * 4)
    with pytest.raises(GenerationError, match=r"failed on 2 of 10 lines \(line 2: .*nothing to say"):
        render_turns(script, HOSTS, VOICES, load_style("headlines"), engine)


def test_a_script_keeps_only_the_segments_its_spoken_lines_still_tell():
    stories = [Story(f"s{n}", f"Story {n}", "Body.", f"https://example.com/{n}", "Feed", None) for n in range(2)]
    script = Script("Show", "2026-11-26", {"ava": "Ava", "kai": "Kai"}, [Cluster(s.id, (s,)) for s in stories],
                    [Turn("ava", "Hello.", [], 0), Turn("kai", "First story.", ["s0"], 1),
                     Turn("ava", "Second story.", ["s1"], 2), Turn("kai", "Bye.", [], 3)])
    spoken = script.keeping([t for t in script.turns if t.text != "Second story."])
    assert [c.id for c in spoken.clusters] == ["s0"]
    assert "Second story." not in spoken.transcript() and "Story 1" not in spoken.transcript()


@pytest.mark.parametrize("day", ["../../etc/passwd", "2026-11-26/../../x", "2026-11-26.mp3", ""])
def test_no_episode_file_is_named_by_anything_but_a_date(tmp_path, day):
    with pytest.raises(OutputError, match="is not a YYYY-MM-DD date"):
        episode_paths(tmp_path, day)
    assert all(p.parent == tmp_path for p in episode_paths(tmp_path, "2026-11-26").values())


# The CLI in a child process: imports first, then an address-space limit of what it holds now plus 2.5 GiB,
# so loading the models fits and only generation can run out. MALLOC_ARENA_MAX keeps glibc from
# reserving address space per thread, which would make the headroom vary from run to run.
UNDER_LIMIT = """
import resource, sys
import torch, transformers, podcaster.cli
size = int(next(l for l in open('/proc/self/status') if l.startswith('VmSize')).split()[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + (5 << 29), resource.RLIM_INFINITY))
sys.argv = ['podcaster', *sys.argv[1:]]
podcaster.cli.app()
"""


def test_an_llm_out_of_memory_is_exit_8_with_one_line_and_nothing_published(tmp_path, tiny_kokoro):
    # one layer whose feed-forward is two million wide: 100 MB of weights, 4 GB per tensor for a 1,000-token prompt
    wide = build_llm(tmp_path / "wide-llm", dict(hidden_size=8, intermediate_size=1 << 21, num_hidden_layers=1,
                                                 num_attention_heads=2, num_key_value_heads=1))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", UNDER_LIMIT, "daily", "--feeds", str(DAYS / "2026-11-23" / "feeds.txt"),
         "--date", "2026-11-23", "--out", str(out), "--llm", str(wide), "--tts", str(tiny_kokoro),
         "--runtime", "torch", "--device", "cpu", "--minutes", "1.5", "-q"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1", "MALLOC_ARENA_MAX": "2"})
    assert done.returncode == 8, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: the LLM ({wide}) ran out of memory on cpu (tried to allocate"), last
    assert "fewer --minutes" in last
    assert sorted(p.name for p in out.iterdir()) == []      # no episode file, no temp file
