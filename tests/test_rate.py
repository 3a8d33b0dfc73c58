"""Speaking rates: measured once per voice and speed, learned from every episode, turned into words."""
import json

import numpy as np

from podcaster.config import load_style
from podcaster.speech import load_tts
from podcaster.speech.rate import RATES_FILE, learn_rates, lines_over, speaking_rate, word_budget
from podcaster.types import LineAudio, Style, Turn


def test_a_voices_rate_is_measured_once_per_speed_and_kept(tmp_path, tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    first = speaking_rate(engine, "af_heart", 1.0, tmp_path, 160)
    stored = json.loads((tmp_path / RATES_FILE).read_text())
    assert list(stored.values()) == [first] and 100 <= first <= 220
    stamp = (tmp_path / RATES_FILE).stat().st_mtime_ns
    assert speaking_rate(engine, "af_heart", 1.0, tmp_path, 160) == first        # read back, not measured again
    assert (tmp_path / RATES_FILE).stat().st_mtime_ns == stamp
    speaking_rate(engine, "af_heart", 1.3, tmp_path, 160)
    assert len(json.loads((tmp_path / RATES_FILE).read_text())) == 2


def test_each_episode_moves_a_voices_rate_halfway_to_what_its_lines_took(tmp_path, tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    before = speaking_rate(engine, "af_heart", 1.0, tmp_path, 160)
    # 150 words in exactly one minute of audio
    lines = [LineAudio(Turn("ava", " ".join(["word"] * 50) + "."), np.zeros(20 * engine.sample_rate, np.float32),
                       engine.sample_rate) for _ in range(3)]
    learn_rates(lines, engine, {"ava": "af_heart"}, {"ava": 1.0}, tmp_path)
    assert speaking_rate(engine, "af_heart", 1.0, tmp_path, 160) == 0.5 * before + 0.5 * 150


def test_minutes_become_words_less_the_framing_and_the_pauses():
    plain = Style("s", "d", "w", speed=1.0, words_per_minute=160, words_per_story=100, turn_pause_ms=0,
                  segment_pause_ms=0)
    assert word_budget(5, 160, plain, framing_s=0, segments=4) == 800
    assert word_budget(5, 160, plain, framing_s=30, segments=4) == 720
    paused = load_style("evening")
    assert word_budget(5, 160, paused, 10, 4) < word_budget(5, 160, load_style("headlines"), 10, 4) < 800


def _line(segment: int, seconds: float, text: str = "A line.") -> LineAudio:
    return LineAudio(Turn("ava", text, [], segment), np.zeros(int(seconds * 100), dtype=np.float32), 100)


def test_a_long_episode_loses_the_last_turns_of_its_longest_stories_after_speech():
    lines = [_line(0, 10), _line(1, 20), _line(1, 20), _line(1, 20), _line(1, 20, "Why?"), _line(1, 20),
             _line(2, 10), _line(2, 10), _line(2, 10), _line(3, 10)]
    kept = lines_over(lines, 30, pause_s=0.5)
    # story 1 (100 s) gives its last turn, and the question that turn answered goes with it
    assert kept == lines[:4] + lines[6:]
    assert lines_over(lines, 0, 0.5) == lines
    # the opening and sign-off stay whole; every story keeps its first two turns
    assert lines_over(lines, 1000, 0.5) == lines[:3] + lines[6:8] + lines[9:]
