"""Random-weight models built from configs: the real architectures at real or toy size.

Tests use the toy sizes to run the whole pipeline in seconds; the GPU check (benchmarks/) uses the
real sizes, whose compute per token and per audio frame matches the released weights. Nothing in
the product loads it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .speech.onnx_to_torch import KOKORO_82M

WORDS = ("the a ferry solar bay city library tools record crowd coral reef comet probe weather model storms "
         "bank rate percent new first said will is was and of to in on for with today news listeners story "
         "hello welcome thanks goodbye great interesting really yes no Ava Kai").split()
# whole tokens that end a sentence, so random text has sentence ends to cut back to
SENTENCE_ENDS = [w + "." for w in ("today", "news", "bay", "city", "reef", "model", "percent", "story")]
PUNCT = [".", ",", "!", "?"]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "[UNK]"]
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> {% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}")

# Qwen2.5-1.5B-Instruct's shape (the offline model's), as a Granite-style LM
LLM_1_5B = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                num_key_value_heads=2)
LLM_TOY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2)

# The same network at toy depth and width where Kokoro allows it (the decoder hard-codes 512 channels).
KOKORO_TOY = {
    **KOKORO_82M, "n_layer": 1, "max_dur": 2, "dropout": 0.0,
    "plbert": {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64,
               "max_position_embeddings": 512, "num_hidden_layers": 1, "dropout": 0.0},
    "istftnet": {**KOKORO_82M["istftnet"], "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3]},
}


def build_llm(folder: Path, shape: dict = LLM_TOY, vocab_size: int | None = None, byte_level: bool = False) -> Path:
    """A Granite (Llama-style) LM with a word-level tokenizer and a chat template.

    Granite because AutoTokenizer loads its tokenizer.json as-is; Qwen2 or Llama would rebuild
    it as their own byte-level BPE. vocab_size widens the embeddings and output layer to a real
    model's size, for timing (ids past the word list do not decode). byte_level: a byte-level BPE
    (the kind Qwen, Llama 3 and GPT-2 use) trained on the word list instead: any text can be
    written with it, so constrained decoding has a whole vocabulary of bytes to mask.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GraniteConfig, GraniteForCausalLM, PreTrainedTokenizerFast
    if byte_level:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tok.train_from_iterator([" ".join(WORDS + SENTENCE_ENDS)] * 20, trainers.BpeTrainer(
            vocab_size=400, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
        vocab = tok.get_vocab()
    else:
        vocab = {tok: i for i, tok in enumerate(SPECIALS + WORDS + SENTENCE_ENDS + PUNCT + [":"])}
        tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
        tok.decoder = decoders.WordPiece()  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="<|im_end|>",
                                        pad_token="<|endoftext|>", bos_token=None,
                                        additional_special_tokens=["<|im_start|>"])
    tokenizer.chat_template = CHAT_TEMPLATE
    config = GraniteConfig(vocab_size=vocab_size or len(vocab), max_position_embeddings=4096,
                           initializer_range=0.5, tie_word_embeddings=False,
                           eos_token_id=None,  # random text runs to the length asked
                           pad_token_id=vocab["<|endoftext|>"], bos_token_id=None, **shape)
    torch.manual_seed(0)
    model = GraniteForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight.normal_(0, 0.3)   # flatter logits: varied words, not one repeated
    model.to(torch.bfloat16).save_pretrained(folder)   # podcaster loads LLMs in bf16 anyway
    tokenizer.save_pretrained(folder)
    return folder


def build_kokoro(folder: Path, config: dict = KOKORO_TOY) -> Path:
    """Kokoro's KModel from config with random weights, in the folder layout `--tts DIR` loads,
    with random voice packs named like real ones (af_heart, am_michael)."""
    import torch
    from kokoro_onnx.config import DEFAULT_VOCAB

    from .speech.kokoro import new_kmodel
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({**config, "vocab": DEFAULT_VOCAB}))
    torch.save({}, folder / "empty.pth")
    torch.manual_seed(0)
    model = new_kmodel(folder / "config.json", folder / "empty.pth")
    (folder / "empty.pth").unlink()
    parts = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    torch.save({name: getattr(model, name).state_dict() for name in parts}, folder / "kokoro-random.pth")
    rng = np.random.default_rng(0)
    np.savez(folder / "voices.npz", **{v: rng.normal(0, 0.3, (510, 1, 256)).astype(np.float32)
                                      for v in ("af_heart", "am_michael")})
    return folder
