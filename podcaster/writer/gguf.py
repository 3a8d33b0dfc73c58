"""A GGUF file dequantised once into a bf16 safetensors folder in the cache, one tensor at a time.

transformers' own GGUF loader dequantises the whole model into memory before it can save it
(about 5 GiB at the peak for a 1.5B model). Here transformers still names the tensors (its GGUF
name map and per-architecture fixes), but each tensor is read from the mapped file, dequantised,
written to its shard and let go: the peak stays near one shard and the largest tensor.
"""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from ..config import cache_dir
from ..errors import ModelError
from ..files import atomic_path
from ..models import check_free_space

log = logging.getLogger(__name__)

SHARD_BYTES = 200_000_000   # loading maps each shard; a shard is let go of only when all its tensors are


def converted_gguf(path: Path) -> Path:
    """The bf16 folder for this GGUF file (converted on first use; later loads take seconds)."""
    stat = path.stat()
    target = cache_dir() / "models" / f"{path.stem}-{stat.st_size}-bf16-shards"
    if (target / "config.json").is_file():
        return target
    # the one-file layout of earlier versions goes: the shards replace it
    shutil.rmtree(target.with_name(f"{path.stem}-{stat.st_size}-bf16"), ignore_errors=True)
    log.info("converting %s to bf16 safetensors (once, about a minute)", path.name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target, folder=True) as tmp:
            _convert(path, tmp)
    except ModelError:
        raise
    except Exception as e:
        first_line = (str(e).splitlines() or [type(e).__name__])[0]
        raise ModelError(f"could not convert GGUF file {path}: {first_line}") from None
    return target


def _convert(path: Path, folder: Path) -> None:
    import numpy as np
    import torch
    from gguf import GGUFReader, dequantize
    from safetensors.torch import save_file
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig
    from transformers.modeling_gguf_pytorch_utils import (
        TENSOR_PROCESSORS,
        TensorProcessor,
        get_gguf_hf_weights_map,
        read_field,
    )

    config = AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    with torch.device("meta"):      # the model's parameter names, without its memory
        skeleton = AutoModelForCausalLM.from_config(config)
    reader = GGUFReader(path)
    architecture = read_field(reader, "general.architecture")[0]
    processor = TENSOR_PROCESSORS.get(architecture, TensorProcessor)(config=config.to_dict())
    hf_names = get_gguf_hf_weights_map(skeleton, processor)
    check_free_space(folder.parent, sum(int(t.n_elements) * 2 for t in reader.tensors), f"converting {path.name}")

    # some architectures' processors merge several GGUF tensors into one (MoE experts): they keep
    # those here until the end, and they go into a last shard
    merged = {"tensors": {}}
    weight_map, shard, total = {}, {}, 0

    def save(tensors: dict) -> None:
        nonlocal total
        file = f"model-{len(set(weight_map.values())) + 1:05d}.safetensors"
        tensors = {name: tensor.to(torch.bfloat16) for name, tensor in tensors.items()}
        save_file(tensors, folder / file, metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(tensors, file))
        total += sum(tensor.nbytes for tensor in tensors.values())

    for tensor in reader.tensors:
        result = processor.process(weights=dequantize(tensor.data, tensor.tensor_type), name=tensor.name,
                                   tensor_key_mapping=hf_names, parsed_parameters=merged)
        if result.name not in hf_names:     # e.g. precomputed rope tables that transformers rebuilds
            continue
        weights = torch.from_numpy(np.require(result.weights, np.float32, "W")).to(torch.bfloat16)
        if shard and sum(t.nbytes for t in shard.values()) + weights.nbytes > SHARD_BYTES:
            save(shard)
            shard = {}
        shard[hf_names[result.name]] = weights
    for rest in (shard, merged["tensors"]):
        if rest:
            save(rest)
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    config.architectures, config.dtype = [type(skeleton).__name__], torch.bfloat16
    config.save_pretrained(folder)
    GenerationConfig.from_model_config(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name).save_pretrained(folder)

