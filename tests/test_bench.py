"""`podcaster bench` in its small CPU mode (tiny random-weight models): a smoke test that it makes an
episode, measures every stage and both ways of running each model, and leaves the user's folders
alone. No timing is asserted: speed lives in the table, not in tests."""
import os
import re
from pathlib import Path

from typer.testing import CliRunner

from podcaster.cli import app

from conftest import ROOT

DAY = ROOT / "tests" / "fixtures" / "days" / "2026-11-23"
MEASURES = ["episode, end to end", "feeds and story choice", "script (LLM)", "speech (TTS)",
            "mix, master and publish", "tokens/s, product (int8 linear layers)", "tokens/s, product, 5 replies at once",
            "tokens/s, naive (bf16 generate)",
            "real-time factor, product", "real-time factor, naive (one line at a time)", "peak resident memory"]


def test_bench_prints_every_stage_and_the_naive_ratios_and_touches_nothing(tiny_llm, tiny_kokoro):
    home = Path(os.environ["PODCASTER_HOME"])
    done = CliRunner().invoke(app, [
        "bench", "--feeds", str(DAY / "feeds.txt"), "--date", "2026-11-23", "--llm", str(tiny_llm),
        "--tts", str(tiny_kokoro), "--runtime", "torch", "--device", "cpu", "--minutes", "1",
        "--tokens", "4", "--lines", "2", "--repeats", "1"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    rows = {cells[0]: cells[1:] for line in done.output.splitlines() if line.lstrip().startswith("│")
            for cells in [[c.strip() for c in line.strip().split("│")[1:-1]]]}
    for measure in MEASURES:
        assert measure in rows, f"{measure!r} missing from:\n{done.output}"
        assert re.match(r"[\d.]+", rows[measure][0]), rows[measure]
    assert float(rows["tokens/s, product (int8 linear layers)"][0]) > 0
    assert float(rows["tokens/s, product, 5 replies at once"][0]) > 0
    assert re.search(r"[\d.]+x the naive way", rows["real-time factor, product"][1])
    assert "cpu" in rows["device"][0]
    assert not home.exists() or not any(home.rglob("*"))     # no history, episode or log of the user's
