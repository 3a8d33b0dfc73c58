"""Loading a causal LM through transformers and generating chat replies with it."""
from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import models
from ..config import cache_dir
from ..errors import ModelError, model_fault
from . import constrain

log = logging.getLogger(__name__)


@dataclass
class LLM:
    name: str           # what the run logs: HF id, folder or file
    model: object       # transformers PreTrainedModel
    tokenizer: object
    device: str
    constrained: object | None = None   # llguidance's view of the tokenizer; None: free text, repaired

    def chat(self, messages: list[dict], prefix: str, max_new_tokens: int, seed: int, grammar: str | None = None) -> str:
        """Reply to messages with the model's own chat template; the reply starts with prefix and, where
        the model can be constrained, continues in the grammar's form (constrain.py)."""
        return self.chat_many([messages], prefix, max_new_tokens, seed, grammar)[0]

    def chat_many(self, conversations: list[list[dict]], prefix: str, max_new_tokens: int, seed: int,
                  grammar: str | None = None) -> list[str]:
        """chat for several conversations in one batch: one pass over the weights serves them all."""
        import torch
        from transformers import LogitsProcessorList
        prompts = [self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False,
            enable_thinking=False) + prefix  # SmolLM3 and Qwen3 think aloud unless told not to
            for messages in conversations]
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        pad = self.tokenizer.pad_token_id
        self.tokenizer.padding_side = "left"      # the replies all continue from the last column
        inputs = self.tokenizer(prompts, return_tensors="pt", add_special_tokens=False, padding=True).to(self.device)
        prompt_length = inputs["input_ids"].shape[1]
        processors, stops = [], {}
        if grammar and self.constrained is not None:
            processors = [constrain.logits_processor(self.constrained, self.tokenizer, [grammar] * len(prompts),
                                                     prompt_length, max_new_tokens)]
            stops = {"eos_token_id": constrain.stop_tokens(self.tokenizer)}
        torch.manual_seed(seed)
        try:
            with torch.inference_mode():
                out = self.model.generate(
                    **inputs, max_new_tokens=max_new_tokens, do_sample=True, temperature=0.7, top_p=0.9,
                    repetition_penalty=1.05, pad_token_id=pad, logits_processor=LogitsProcessorList(processors),
                    **stops)
        except (RuntimeError, MemoryError) as e:   # torch's out-of-memory and CUDA errors are RuntimeErrors
            fault = model_fault(e, f"the LLM ({self.name})", self.device)
            if fault is None:
                raise
            raise fault from None
        return [prefix + self.tokenizer.decode(row[prompt_length:], skip_special_tokens=True) for row in out]


def resolve_llm(spec: str | None, device: str) -> str:
    """Pick the LLM to load (README: 'Models'): returns an HF id, folder or .gguf path."""
    if spec:
        return spec
    default = models.DEFAULT_LLM[device]
    if models.hub_is_cached(default) or models.hub_is_reachable():
        return default
    gguf = models.offline_llm_gguf()
    if gguf is not None:
        return str(gguf)
    raise ModelError(f"no LLM available: {default} is not cached and the hub is unreachable; "
                     f"{models.OFFLINE_HINT}, or pass --llm with a local folder or .gguf file")


def _converted_gguf(path: Path) -> Path:
    """Dequantise a GGUF once into a bf16 safetensors folder in the cache; later loads take seconds."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig
    stat = path.stat()
    # in small shards: loading maps each file, and a file is let go of only when all its tensors are
    target = cache_dir() / "models" / f"{path.stem}-{stat.st_size}-bf16-shards"
    if (target / "config.json").is_file():
        return target
    # the one-file layout of earlier versions goes: the shards replace it
    shutil.rmtree(target.with_name(f"{path.stem}-{stat.st_size}-bf16"), ignore_errors=True)
    log.info("converting %s to bf16 safetensors (once, about a minute)", path.name)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        # dequantize: plain bf16 layers that save_pretrained can write (packed GGUF layers cannot be saved)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.bfloat16,
                                                     quantization_config=GgufConfig(dequantize=True))
        model.save_pretrained(tmp, max_shard_size="200MB")
        tokenizer.save_pretrained(tmp)
        os.replace(tmp, target)
    except Exception as e:
        raise ModelError(f"could not read GGUF file {path}: {e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def llm_source(spec: str | None, device: str) -> tuple[str, str | Path]:
    """(name, what from_pretrained reads): an HF id, a folder, or a GGUF file's bf16 conversion."""
    name = resolve_llm(spec, device)
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"--llm {name}: no such GGUF file")
        return name, _converted_gguf(path)
    if path.exists() and not path.is_dir():
        raise ModelError(f"--llm {name}: expected a Hugging Face id, a model folder or a .gguf file")
    return name, path if path.is_dir() else name


def load_llm(spec: str | None, device: str) -> LLM:
    """Load the LLM named by spec (None = automatic choice) onto device ('cpu' or 'cuda')."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    name, source = llm_source(spec, device)
    dtype = torch.bfloat16
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(device).eval()
    except (OSError, ValueError) as e:
        raise ModelError(f"could not load LLM {name}: {str(e).splitlines()[0]}") from None
    if tokenizer.chat_template is None:
        raise ModelError(f"LLM {name} has no chat template; use an instruct/chat model")
    if device == "cpu":
        from .int8 import quantize_linear_layers
        quantize_linear_layers(model)
    log.info("LLM: %s on %s (%s)", name, device, "int8 linear layers" if device == "cpu" else dtype)
    return LLM(name=name, model=model, tokenizer=tokenizer, device=device, constrained=constrain.tokenizer_for(tokenizer))
