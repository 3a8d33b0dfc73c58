"""The LLM's linear layers in int8 on a CPU: each new token reads all the weights, so a quarter of
bf16's bytes makes generation about 2x faster on 2 cores (`podcaster bench`, BENCHMARKS.md).

Weights get a scale per output row; activations are quantised per token, as they arrive, and
torch._int_mm multiplies the two in int32. Per token matters: a quantiser with one scale for a whole
call (torch's dynamic quantisation) lets the few tokens with huge activations set it for all the
others, and the model reads its prompt far worse (perplexity on the demo articles 10.4 in bf16, 16
so; per token, 10.5).
"""
from __future__ import annotations

import torch

ROWS_AT_ONCE = 4096     # weights are quantised in blocks of rows: no float32 copy of a large matrix


class Int8Linear(torch.nn.Module):
    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight, scale = [], []
        for rows in linear.weight.detach().split(ROWS_AT_ONCE):
            rows = rows.float()
            row_scale = rows.abs().amax(dim=1).clamp_min(1e-12) / 127
            weight.append(torch.round(rows / row_scale[:, None]).clamp_(-127, 127).to(torch.int8))
            scale.append(row_scale)
        self.register_buffer("weight", torch.cat(weight))
        self.register_buffer("scale", torch.cat(scale))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float())
        self.out_features = linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1]).float()
        peak = flat.abs().amax(dim=1, keepdim=True).clamp_min_(1e-12)
        tokens = torch.round(flat * (127 / peak)).to(torch.int8)     # within +-127: no clamp to pay for
        # torch 2.13's CPU int8 matmul (private, but what torchao builds on; torch is pinned)
        out = torch._int_mm(tokens, self.weight.t()).float().mul_((peak / 127) * self.scale)
        if self.bias is not None:
            out += self.bias
        return out.reshape(*x.shape[:-1], self.out_features)


def quantize_linear_layers(model: torch.nn.Module) -> None:
    """Every nn.Linear of model in int8, the rest in float32 but the embedding table, which stays bf16
    (it is only looked up) and hands float32 on."""
    embedding = model.get_input_embeddings()
    for module in model.modules():     # all but the linear layers first: they are what maps the file
        if type(module) is torch.nn.Linear:
            continue
        for store in (module._parameters, module._buffers):
            for tensor in store.values():
                if tensor is not None and tensor.is_floating_point():
                    # copies: after this only the linear layers' weights still map the weights file
                    tensor.data = tensor.data.clone() if module is embedding else tensor.data.float()
    embedding.register_forward_hook(lambda module, args, out: out.float())
    # then in file order, so each shard of the weights file is let go of once its layers are done
    # (llm._converted_gguf writes small shards): resident memory stays near the int8 model's size
    for path in [name for name, module in model.named_modules() if type(module) is torch.nn.Linear]:
        parent, _, attr = path.rpartition(".")
        owner = model.get_submodule(parent)
        setattr(owner, attr, Int8Linear(getattr(owner, attr)))
