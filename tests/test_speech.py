"""Speech: both Kokoro runtimes render whole lines, in the host's voice, at the style's speed."""
import numpy as np
import pytest

from podcaster import models
from podcaster.config import load_host, load_style
from podcaster.errors import PresetError
from podcaster.speech import kokoro, load_tts, pick_voice, render_turns, runtimes
from podcaster.speech.runtimes import load_torch
from podcaster.types import Host, Turn

LONG = " ".join(f"Sentence number {n} of a long line keeps going with more words to say." for n in range(12))


def test_torch_runtime_keeps_every_chunk_of_a_long_line(tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    assert engine.name == "kokoro-torch"
    short = engine.synthesize("Sentence number one.", "af_heart", 1.0)
    long = engine.synthesize(LONG, "af_heart", 1.0)
    # LONG is over 510 phonemes, so Kokoro must split it; all pieces are kept
    assert len(long) > 10 * len(short)


def test_torch_runtime_speed_changes_duration(tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    slow = engine.synthesize("The ferry crossed the bay in eighteen minutes.", "af_heart", 0.6)
    fast = engine.synthesize("The ferry crossed the bay in eighteen minutes.", "af_heart", 1.8)
    assert len(slow) > len(fast)


def test_each_host_gets_its_first_available_voice(tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "auto", "cpu")
    assert pick_voice(load_host("ava"), engine) == "af_heart"
    assert pick_voice(load_host("kai"), engine) == "am_michael"
    with pytest.raises(PresetError, match="has only: af_heart, am_michael"):
        pick_voice(Host("x", "X", "p", ("zz_none",)), engine)


def test_render_turns_gives_one_audio_per_turn(tiny_kokoro):
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    turns = [Turn("ava", "Hello there.", [], 0), Turn("kai", "Hi, Ava.", [], 0)]
    hosts = {"ava": load_host("ava"), "kai": load_host("kai")}
    lines = render_turns(turns, hosts, {"ava": "af_heart", "kai": "am_michael"}, load_style("morning"), engine)
    assert [line.turn for line in lines] == turns
    assert all(line.sample_rate == 24_000 and line.samples.dtype == np.float32 and line.samples.size for line in lines)


def test_torch_runtime_speaks_lines_in_batches_each_in_script_order(tiny_kokoro, monkeypatch):
    """With batches (a GPU's way) the torch runtime decodes the pieces that several lines wait for
    in one batch: every line still comes back in script order with the length it has when spoken
    alone (durations do not depend on the batch)."""
    from podcaster.speech import batch
    sizes = []
    forward_batch = batch.forward_batch
    monkeypatch.setattr(batch, "forward_batch", lambda model, ids, *rest: sizes.append(len(ids)) or
                        forward_batch(model, ids, *rest))
    engine = load_torch(str(tiny_kokoro), "cpu", streams=3, batch=True)
    texts = ["Good morning.", "The ferry crossed the bay in eighteen minutes.", "Thanks.",
             "Rain is due tonight, and the wind picks up after midnight, so take a coat.", "Back to you."]
    turns = [Turn(("ava", "kai")[i % 2], text, [], 0) for i, text in enumerate(texts)]
    hosts, style = {"ava": load_host("ava"), "kai": load_host("kai")}, load_style("morning")
    voices = {"ava": "af_heart", "kai": "am_michael"}
    lines = render_turns(turns, hosts, voices, style, engine)
    assert [line.turn for line in lines] == turns and max(sizes) > 1
    alone = load_tts(str(tiny_kokoro), "torch", "cpu", streams=1)
    from podcaster.speech.speakable import speakable
    for line, turn in zip(lines, turns):
        speed = style.speed * hosts[turn.speaker].speed
        assert len(line.samples) == len(alone.synthesize(speakable(turn.text), voices[turn.speaker], speed))


def test_on_a_cpu_the_torch_runtime_speaks_two_lines_side_by_side_each_as_alone(tiny_kokoro, source_held_still):
    """A CPU's way: two lines at once, each decoded in its own thread on its share of the cores.
    Every line comes back in script order with the samples it gets when spoken alone (the source's
    randomness held at zero), and the caller's torch thread count is left as it was."""
    import torch

    from podcaster.speech.speakable import speakable
    threads = torch.get_num_threads()
    engine = load_torch(str(tiny_kokoro), "cpu", streams=2)
    assert engine.streams == 2 and not engine.batch
    texts = ["Good morning.", "The ferry crossed the bay in eighteen minutes, a record.", "Thanks, Ava.",
             "Rain is due tonight, and the wind picks up after midnight."]
    turns = [Turn(("ava", "kai")[i % 2], text, [], 0) for i, text in enumerate(texts)]
    hosts, style = {"ava": load_host("ava"), "kai": load_host("kai")}, load_style("morning")
    voices = {"ava": "af_heart", "kai": "am_michael"}
    lines = render_turns(turns, hosts, voices, style, engine)
    assert [line.turn for line in lines] == turns and torch.get_num_threads() == threads
    alone = load_torch(str(tiny_kokoro), "cpu", streams=1)
    for line, turn in zip(lines, turns):
        want = alone.synthesize(speakable(turn.text), voices[turn.speaker], style.speed * hosts[turn.speaker].speed)
        assert len(line.samples) == len(want) and np.corrcoef(line.samples, want)[0, 1] >= 0.999


@pytest.mark.parametrize("bf16, kokoro_installed, runtime", [(True, True, "torch"), (False, True, "onnx"),
                                                             (True, False, "onnx")])
def test_auto_takes_the_torch_runtime_on_a_cpu_only_where_it_is_the_faster(monkeypatch, tmp_path, bf16,
                                                                          kokoro_installed, runtime):
    """On a CPU the torch runtime (its decoder in bf16) is the faster where the CPU multiplies bf16
    natively; elsewhere bf16 is emulated, and the ONNX runtime's int8 is the faster."""
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(kokoro, "native_bf16", lambda: bf16)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "kokoro" and not kokoro_installed else find_spec(name, *a))
    monkeypatch.setattr(models, "hub_is_cached", lambda name: True)     # weights at hand
    assert runtimes.auto_runtime(None, "cpu") == runtime
    assert runtimes.auto_runtime(str(tmp_path / "kokoro.onnx"), "cpu") == "onnx"    # a file names its runtime


def test_combined_calls_each_get_their_own_result_or_the_batchs_error():
    import threading

    from podcaster.speech.batch import Combiner
    batches = []

    def run(items):
        batches.append(len(items))
        if "bad" in items:
            raise ValueError("a bad item")
        return [item.upper() for item in items]

    combine, results = Combiner(run, limit=4), {}

    def call(item):
        try:
            results[item] = combine(item)
        except ValueError as e:
            results[item] = e

    threads = [threading.Thread(target=call, args=(f"line {i}",)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {f"line {i}": f"LINE {i}" for i in range(10)} and sum(batches) == 10 and max(batches) <= 4
    with pytest.raises(ValueError, match="a bad item"):
        combine("bad")


offline = pytest.mark.skipif(models.offline_kokoro_files() is None, reason="offline Kokoro set not installed")


@offline
def test_onnx_runtime_speaks_english_with_the_offline_voices():
    engine = load_tts(None, "onnx", "cpu")
    assert {"jf_alpha", "jm_kumo"} <= set(engine.voices())
    audio = engine.synthesize("Good morning, this is the news.", "jf_alpha", 1.0)
    seconds = len(audio) / engine.sample_rate
    assert 1.0 < seconds < 5.0 and np.abs(audio).max() > 0.05


@offline
def test_onnx_runtime_keeps_every_chunk_of_a_long_line():
    engine = load_tts(None, "onnx", "cpu")
    short = engine.synthesize("Sentence number one of a long line keeps going with more words to say.", "jm_kumo", 1.0)
    long = engine.synthesize(LONG, "jm_kumo", 1.0)
    assert len(long) > 9 * len(short)


@offline
def test_onnx_runtime_speaks_two_lines_at_once_each_as_it_sounds_alone():
    """On a CPU two ONNX sessions speak two lines at once (BENCHMARKS.md): every line still gets its
    own audio, the same samples as when spoken alone, in script order."""
    from podcaster.speech.speakable import speakable
    engine = load_tts(None, "onnx", "cpu", streams=2)
    assert engine.streams == 2
    texts = ["Good morning.", "The ferry crossed the bay in eighteen minutes, a record for the line.",
             "Thanks, Ava.", "Rain is due tonight, and the wind picks up after midnight."]
    turns = [Turn(("ava", "kai")[i % 2], text, [], 0) for i, text in enumerate(texts)]
    hosts, style = {"ava": load_host("ava"), "kai": load_host("kai")}, load_style("morning")
    voices = {"ava": "jf_alpha", "kai": "jm_kumo"}
    lines = render_turns(turns, hosts, voices, style, engine)
    assert [line.turn for line in lines] == turns
    for line, turn in zip(lines, turns):
        alone = engine.synthesize(speakable(turn.text), voices[turn.speaker], style.speed * hosts[turn.speaker].speed)
        assert np.array_equal(line.samples, alone)
