"""The CPU LLM's int8 linear layers: close to the float layer, and a token with huge activations
(every real model has some, e.g. its first) does not blur the others."""
import torch
from transformers import AutoModelForCausalLM

from podcaster.writer.int8 import Int8Linear, quantize_linear_layers


def relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return ((got - want).norm() / want.norm()).item()


def test_an_int8_layer_gives_what_the_float_layer_gives():
    torch.manual_seed(0)
    layer = torch.nn.Linear(256, 96)
    x = torch.randn(2, 7, 256)
    assert relative_error(Int8Linear(layer)(x), layer(x)) < 0.02
    assert Int8Linear(layer)(x).shape == (2, 7, 96)


def test_a_token_with_huge_activations_does_not_blur_the_others():
    torch.manual_seed(0)
    layer = torch.nn.Linear(256, 96)
    x = torch.randn(20, 256)
    x[0] *= 1000        # one scale for the whole prompt would leave the other tokens a few levels of int8
    got = Int8Linear(layer)(x)
    with torch.no_grad():
        want = layer(x)
    assert relative_error(got[1:], want[1:]) < 0.02
    assert relative_error(got[:1], want[:1]) < 0.02


def test_a_quantised_model_is_about_as_close_to_float32_as_bf16_is(tiny_llm):
    # a random-weight model amplifies any rounding layer after layer, so bf16 itself is the yardstick
    def load():
        return AutoModelForCausalLM.from_pretrained(tiny_llm, dtype=torch.bfloat16).eval()
    float_model, bf16_model, int8_model = load().float(), load(), load()
    quantize_linear_layers(int8_model)
    assert not any(type(m) is torch.nn.Linear for m in int8_model.modules())
    ids = torch.randint(0, float_model.config.vocab_size, (1, 40), generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        want, bf16, got = (model(ids).logits for model in (float_model, bf16_model, int8_model))
    assert got.dtype == torch.float32
    # measured: 1.9x bf16's error; torch's per-prompt dynamic quantisation gives 4x
    assert relative_error(got, want) < 2.5 * relative_error(bf16.float(), want)
