"""Kokoro-82M's int8 ONNX export turned back into the state dict the `kokoro` package's KModel loads.

The offline set ships Kokoro-82M only as an int8 ONNX file, yet it is the same network as
hexgrad/Kokoro-82M's .pth. Export changed four things, undone here:
- int8 tensors: dequantised with their scale and zero point (per tensor, per column, or per direction);
- weight-normalised convolutions: exported as the folded weight W; torch gets v = W and g = |W| per
  output channel, so g * v / |v| = W (a channel int8 zeroed whole gets v = 1, g = 0);
- LSTMs: packed as [directions, input, 4 * hidden] in gate order i, o, f, c; torch wants
  [4 * hidden, input] per direction in gate order i, f, c, o, and the bias split in two;
- anonymous initializers (`onnx::MatMul_6547`, `/encoder/F0.0/Mul_output_0`): named by the scope of
  the node that consumes them (`/encoder/F0.0/conv1/Conv_quant` -> `predictor.F0.0.conv1`).
Two things the export dropped because they do not change the output come back as their identity:
the InstanceNorm affine weights of AdaIN (ones and zeros) and ALBERT's pooler (unused by Kokoro).
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..errors import ModelError, OutputError
from ..files import atomic_path

log = logging.getLogger(__name__)

# hexgrad/Kokoro-82M's config.json, less its vocab (kokoro-onnx's DEFAULT_VOCAB, which the ONNX model was fed)
KOKORO_82M = {
    "n_token": 178, "hidden_dim": 512, "style_dim": 128, "n_layer": 3, "max_dur": 50, "dropout": 0.2,
    "n_mels": 80, "text_encoder_kernel_size": 5,
    "plbert": {"hidden_size": 768, "num_attention_heads": 12, "intermediate_size": 2048,
               "max_position_embeddings": 512, "num_hidden_layers": 12, "dropout": 0.1},
    "istftnet": {"upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6], "gen_istft_hop_size": 5,
                 "gen_istft_n_fft": 20, "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
                 "resblock_kernel_sizes": [3, 7, 11], "upsample_initial_channel": 512},
}
PARTS = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")   # KModel's children, as its .pth keys
WEIGHTS_FILE = "kokoro-v1_0-from-int8.pth"
MATMUL = {"MatMul", "MatMulInteger"}       # weight stored [in, out]: transposed for torch's Linear
CONV = {"Conv", "ConvInteger", "ConvTranspose"}
LSTM_INPUTS = {1: ("weight_ih", 9), 2: ("weight_hh", 11)}   # input slot -> torch name, zero-point slot


def kokoro_config() -> dict:
    from kokoro_onnx.config import DEFAULT_VOCAB
    return {**KOKORO_82M, "vocab": DEFAULT_VOCAB}


def torch_name(onnx_name: str) -> str:
    """`encoder.bert.x` -> `bert.x`; `encoder.F0.0.x` -> `predictor.F0.0.x`; `decoder.decoder.x` -> `decoder.x`."""
    if onnx_name.startswith("decoder.decoder."):
        return onnx_name[len("decoder."):]
    if onnx_name.startswith("encoder."):
        rest = onnx_name[len("encoder."):]
        return rest if rest.split(".")[0] in PARTS else "predictor." + rest
    return onnx_name


def module_of(node_name: str) -> str:
    """The torch module a node belongs to, from its scope: `/encoder/text_encoder/cnn.0/cnn.0.0/Conv_quant`
    -> `text_encoder.cnn.0.0` (a nested Sequential repeats its parent's name)."""
    parts: list[str] = []
    for part in node_name.strip("/").split("/")[:-1]:
        if parts and part.startswith(parts[-1] + "."):
            parts[-1] = part
        else:
            parts.append(part)
    return torch_name(".".join(parts))


class _Graph:
    def __init__(self, path: Path):
        import onnx
        from onnx import numpy_helper
        try:
            graph = onnx.load(str(path)).graph
        except Exception as e:  # protobuf raises DecodeError and others for a damaged file
            raise ModelError(f"{path} is not a readable ONNX model ({type(e).__name__}); "
                             "reinstall the offline set or give another file") from None
        self.nodes = list(graph.node)
        self.values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.consumers: dict[str, list] = defaultdict(list)
        for node in self.nodes:
            for slot, name in enumerate(node.input):
                self.consumers[name].append((node, slot))

    def consumer(self, name: str):
        return self.consumers[name][0] if self.consumers[name] else (None, None)

    def value(self, name: str) -> np.ndarray:
        """A float initializer, or an int8 one dequantised: (q - zero_point) * scale."""
        if name + "_quantized" not in self.values:
            return self.values[name].astype(np.float32)
        q = self.values[name + "_quantized"].astype(np.float32)
        scale = self.values[name + "_scale"].astype(np.float32)
        node, slot = self.consumer(name + "_quantized")
        zero_point = self.values.get(name + "_zero_point")
        if zero_point is None:   # shared with other tensors under another name: ask the consumer
            if node.op_type == "DynamicQuantizeLSTM":
                zero_point = self.values[node.input[LSTM_INPUTS[slot][1]]]
            elif node.op_type in ("ConvInteger", "MatMulInteger"):
                zero_point = self.values[node.input[3]]
            else:   # Gather of int8 rows, then DequantizeLinear(rows, scale, zero_point)
                dequantize, _ = self.consumer(name + "_scale")
                zero_point = self.values[dequantize.input[2]]
        zero_point = zero_point.astype(np.float32)
        if scale.ndim == 1 and scale.size > 1:
            # MatMulInteger: per output column (last axis); DynamicQuantizeLSTM: per direction (first axis)
            shape = [1] * q.ndim
            shape[0 if node.op_type == "DynamicQuantizeLSTM" else -1] = scale.size
            scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
        return (q - zero_point) * scale


def _ifco(x: np.ndarray) -> np.ndarray:
    """ONNX keeps LSTM gates as input, output, forget, cell; torch as input, forget, cell, output."""
    i, o, f, c = np.split(x, 4, axis=0)
    return np.concatenate([i, f, c, o])


def _base(name: str) -> str:
    return name[:-len("_quantized")] if name.endswith("_quantized") else name


def onnx_state_dict(path: Path, expected: dict[str, tuple]) -> dict[str, np.ndarray]:
    """{torch key: array} for every key of `expected` (key -> shape), read from the ONNX file."""
    graph = _Graph(path)
    try:
        found = _collect(graph, expected)
    except (KeyError, IndexError, ValueError, AttributeError) as e:   # a graph laid out unlike Kokoro's export
        raise ModelError(f"{path.name} does not match Kokoro-82M's export ({type(e).__name__}: {e})") from None
    # what the export dropped as identity
    for key, shape in expected.items():
        if key not in found and (key.endswith((".norm.weight", ".norm.bias")) or key.startswith("bert.pooler.")):
            found[key] = np.ones(shape, np.float32) if key.endswith(".norm.weight") else np.zeros(shape, np.float32)
    missing = [k for k in expected if k not in found]
    wrong = [f"{k} {found[k].shape} != {tuple(s)}" for k, s in expected.items()
             if k in found and tuple(found[k].shape) != tuple(s)]
    if missing or wrong:
        raise ModelError(f"{path.name} does not match Kokoro-82M: "
                         f"{len(missing)} tensors missing ({', '.join(missing[:3])}), "
                         f"{len(wrong)} of the wrong shape ({', '.join(wrong[:3])})")
    return {k: found[k] for k in expected}


def _collect(graph: _Graph, expected: dict[str, tuple]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    # 1. initializers that carry a torch name: biases, norms, Snake alphas, embeddings, AdaIN fc weights
    for name in graph.values:
        base = _base(name)
        if base.startswith(("encoder.", "decoder.decoder.")) and (
                name == base + "_quantized" or name == base and graph.values[name].dtype.kind == "f"):
            node, _ = graph.consumer(name)
            _put(found, expected, torch_name(base), graph.value(base), node.op_type if node is not None else None)
    # 2. anonymous weights, named by the node that uses them
    for node in graph.nodes:
        module = module_of(node.name)
        if node.op_type == "DynamicQuantizeLSTM":
            for slot, (param, _) in LSTM_INPUTS.items():
                weights = graph.value(_base(node.input[slot]))
                for direction, suffix in enumerate(("_l0", "_l0_reverse")):
                    found[f"{module}.{param}{suffix}"] = _ifco(weights[direction].T)
            bias = graph.value(node.input[3])
            for direction, suffix in enumerate(("_l0", "_l0_reverse")):
                ih, hh = np.split(bias[direction], 2)
                found[f"{module}.bias_ih{suffix}"], found[f"{module}.bias_hh{suffix}"] = _ifco(ih), _ifco(hh)
        elif node.op_type in MATMUL | CONV and len(node.input) > 1:
            base = _base(node.input[1])
            if not base.startswith(("encoder.", "decoder.decoder.")) and (
                    base in graph.values or base + "_quantized" in graph.values):
                _put(found, expected, module, graph.value(base), node.op_type)
    return found


def _put(found: dict, expected: dict, module_or_key: str, value: np.ndarray, op: str | None) -> None:
    """One tensor into `found` under its torch key: transposed for a Linear, split for weight norm."""
    if op in MATMUL and value.ndim == 2:
        value = value.T
    if op in CONV and module_or_key + ".weight_v" in expected:
        # weight norm: v = W, g = |W| over all but the dimension g keeps
        g_shape = expected[module_or_key + ".weight_g"]
        axes = tuple(d for d, n in enumerate(g_shape) if n == 1)
        norm = np.sqrt((value.astype(np.float64) ** 2).sum(axis=axes, keepdims=True))
        # int8 rounding zeroes some channels whole; v = 0 would make g * v / |v| NaN, so v = 1, g = 0
        found[module_or_key + ".weight_v"] = np.where(norm > 0, value, 1.0)
        found[module_or_key + ".weight_g"] = norm
        return
    weight = module_or_key + ".weight"
    key = weight if op in CONV | MATMUL and weight in expected else module_or_key
    if key in expected:
        found.setdefault(key, value)   # a shared layer (ALBERT's) is used many times: its first use names it


def convert(onnx_path: Path, voices_path: Path, folder: Path) -> Path:
    """Write a folder that `--tts FOLDER --runtime torch` loads: config.json, the .pth, voices.npz.
    Nothing is written until the conversion has succeeded; each file goes to a temporary name and is
    renamed, so a killed run leaves nothing half-written."""
    import tempfile

    import torch

    from .kokoro import new_kmodel
    for path in (onnx_path, voices_path):
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
    started = time.monotonic()
    config = kokoro_config()
    with tempfile.TemporaryDirectory() as scratch:   # KModel wants a weights file: an empty one
        torch.save({}, Path(scratch) / "empty.pth")
        model = new_kmodel(config, Path(scratch) / "empty.pth")
    expected = {f"{part}.{k}": tuple(v.shape) for part in PARTS for k, v in getattr(model, part).state_dict().items()}
    arrays = onnx_state_dict(onnx_path, expected)
    state = {part: {k[len(part) + 1:]: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
                    for k, v in arrays.items() if k.startswith(part + ".")} for part in PARTS}
    for part in PARTS:   # strict: every tensor of the network, no stray ones
        getattr(model, part).load_state_dict(state[part], strict=True)
    try:
        with np.load(voices_path) as voices:
            packs = {name: voices[name] for name in voices.files}
    except (OSError, ValueError) as e:
        raise ModelError(f"{voices_path} is not a Kokoro voices .npz file ({e})") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(folder / "config.json", lambda f: f.write(json.dumps(config).encode()))
        _write_atomic(folder / "voices.npz", lambda f: np.savez(f, **packs))
        _write_atomic(folder / WEIGHTS_FILE, lambda f: torch.save(state, f))
    except OSError as e:
        raise OutputError(f"cannot write the converted Kokoro model to {folder} ({e.strerror or e})") from None
    log.info("converted %s to %s in %.1f s", onnx_path.name, folder, time.monotonic() - started)
    return folder


def _write_atomic(path: Path, write) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        write(f)
