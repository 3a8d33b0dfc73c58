"""Loading a causal LM through transformers and generating chat replies with it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .. import models
from ..errors import ModelError, model_fault
from . import constrain
from .gguf import converted_gguf

log = logging.getLogger(__name__)


TEMPERATURE, TOP_K, TOP_P = 0.7, 50, 0.9
MAX_BATCH = 8   # replies generated together: a 5-minute show has 5 to 7 segments


@dataclass(frozen=True)
class Ask:
    """One reply wanted: the conversation, the words the reply starts with, its length limit in tokens,
    and the grammar it must follow (constrain.py; None: free text)."""
    messages: list[dict]
    prefix: str
    max_new_tokens: int
    grammar: str | None = None


@dataclass
class LLM:
    name: str           # what the run logs: HF id, folder or file
    model: object       # transformers PreTrainedModel
    tokenizer: object
    device: str
    constrained: object | None = None   # llguidance's view of the tokenizer; None: free text, repaired

    def chat(self, messages: list[dict], prefix: str, max_new_tokens: int, seed: int,
             grammar: str | None = None) -> str:
        """Reply to messages with the model's own chat template; the reply starts with prefix and, where
        the model can be constrained, continues in the grammar's form (constrain.py)."""
        return self.chat_many([Ask(messages, prefix, max_new_tokens, grammar)], seed)[0]

    def chat_many(self, asks: list[Ask], seed: int) -> list[str]:
        """Replies to several asks, up to MAX_BATCH in one batch: each new token reads all the weights
        once for the whole batch, so on 2 CPU cores three replies take about 1.3x the time of one."""
        replies: list[str] = []
        for start in range(0, len(asks), MAX_BATCH):
            replies += self._generate(asks[start:start + MAX_BATCH], seed + start)
        return replies

    def judge_many(self, questions: list[list[dict]]) -> list[float]:
        """For each conversation, the probability that the model's reply starts with yes rather than no:
        one forward pass, no generation (the next token's logits over "yes"/"no" in their spellings).
        Questions of like length share a batch, so little of it is padding."""
        yes, no = self._answer_tokens()
        order = sorted(range(len(questions)), key=lambda i: len(str(questions[i])))
        answers = [0.0] * len(questions)
        for start in range(0, len(order), MAX_BATCH):
            batch = order[start:start + MAX_BATCH]
            logits = self._next_token_logits([questions[i] for i in batch], prefix="")
            both = logits[:, yes + no].float().softmax(dim=-1)
            for i, p in zip(batch, both[:, :len(yes)].sum(dim=-1).tolist()):
                answers[i] = p
        return answers

    def _answer_tokens(self) -> tuple[list[int], list[int]]:
        """The ids of the single tokens that spell yes and no (with and without a capital, a space)."""
        def ids(words: list[str]) -> list[int]:
            found = set()
            for word in words:
                tokens = self.tokenizer.encode(word, add_special_tokens=False)
                if len(tokens) == 1:
                    found.add(tokens[0])
            return sorted(found)
        yes, no = ids(["yes", "Yes", " yes", " Yes", "YES"]), ids(["no", "No", " no", " No", "NO"])
        if not yes or not no:
            raise ModelError(f"LLM {self.name}: its tokenizer has no single token for yes or no, so it cannot "
                             "judge claims; use another --llm")
        return yes, no

    def _inputs(self, messages: list[list[dict]], prefixes: list[str]):
        prompts = [self.tokenizer.apply_chat_template(
            m, add_generation_prompt=True, tokenize=False,
            enable_thinking=False) + prefix  # SmolLM3 and Qwen3 think aloud unless told not to
            for m, prefix in zip(messages, prefixes)]
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"      # the replies all continue from the last column
        return self.tokenizer(prompts, return_tensors="pt", add_special_tokens=False, padding=True).to(self.device)

    def _next_token_logits(self, messages: list[list[dict]], prefix: str):
        import torch
        inputs = self._inputs(messages, [prefix] * len(messages))
        try:
            with torch.inference_mode():
                return self.model(**inputs, logits_to_keep=1).logits[:, -1, :]
        except (RuntimeError, MemoryError) as e:
            fault = model_fault(e, f"the LLM ({self.name})", self.device)
            if fault is None:
                raise
            raise fault from None

    def _generate(self, asks: list[Ask], seed: int) -> list[str]:
        import torch
        from transformers import LogitsProcessorList
        inputs = self._inputs([ask.messages for ask in asks], [ask.prefix for ask in asks])
        pad = self.tokenizer.pad_token_id
        prompt_length = inputs["input_ids"].shape[1]
        limits = [ask.max_new_tokens for ask in asks]
        processors, stops = [], {}
        if self.constrained is not None and any(ask.grammar for ask in asks):
            processors = [constrain.logits_processor(self.constrained, self.tokenizer, [ask.grammar for ask in asks],
                                                     prompt_length, limits)]
            stops = {"eos_token_id": constrain.stop_tokens(self.tokenizer)}
        torch.manual_seed(seed)
        try:
            with torch.inference_mode():
                out = self.model.generate(
                    **inputs, max_new_tokens=max(limits), do_sample=True, repetition_penalty=1.05, pad_token_id=pad,
                    # sampling as transformers does it, by the processor below: temperature 1 and top_k 0 turn
                    # its own off
                    temperature=1.0, top_k=0, top_p=1.0,
                    logits_processor=LogitsProcessorList([*processors, top_k_top_p(TEMPERATURE, TOP_K, TOP_P)]),
                    **stops)
        except (RuntimeError, MemoryError) as e:   # torch's out-of-memory and CUDA errors are RuntimeErrors
            fault = model_fault(e, f"the LLM ({self.name})", self.device)
            if fault is None:
                raise
            raise fault from None
        # a row that ends before the longest is padded; free text is cut at its own limit
        return [ask.prefix + self.tokenizer.decode(row[prompt_length:prompt_length + ask.max_new_tokens],
                                                   skip_special_tokens=True) for ask, row in zip(asks, out)]


def top_k_top_p(temperature: float, top_k: int, top_p: float):
    """transformers' temperature, top-k and top-p warpers in one, the same tokens kept, but top-p sorts
    only the top k instead of the whole vocabulary (152k tokens: 12 ms a row per token on 2 cores)."""
    import torch
    from transformers import LogitsProcessor

    class Sampler(LogitsProcessor):
        def __call__(self, input_ids, scores):
            top, index = (scores / temperature).topk(min(top_k, scores.shape[-1]), dim=-1)   # sorted, largest first
            probs = top.softmax(dim=-1)
            # transformers drops the tokens whose smaller neighbours and themselves hold <= 1 - top_p
            keep = probs.cumsum(dim=-1) - probs < top_p
            return torch.full_like(scores, float("-inf")).scatter_(-1, index, top.masked_fill(~keep, float("-inf")))

    return Sampler()


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


def llm_source(spec: str | None, device: str) -> tuple[str, str | Path]:
    """(name, what from_pretrained reads): an HF id, a folder, or a GGUF file's bf16 conversion."""
    name = resolve_llm(spec, device)
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"--llm {name}: no such GGUF file")
        return name, converted_gguf(path)
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
    return LLM(name=name, model=model, tokenizer=tokenizer, device=device,
               constrained=constrain.tokenizer_for(tokenizer))
