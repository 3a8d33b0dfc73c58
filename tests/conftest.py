"""Tiny random-weight models built from configs, so the whole pipeline runs in seconds on real code paths."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_FEEDS = ROOT / "examples" / "demo-feeds.txt"

WORDS = ("the a ferry solar bay city library tools record crowd coral reef comet probe weather model storms "
         "bank rate percent new first said will is was and of to in on for with today news listeners story "
         "hello welcome thanks goodbye great interesting really yes so Ava Kai").split()
PUNCT = [".", ",", "!", "?"]
# whole tokens that end a sentence, so random text has sentence ends to cut back to
SENTENCE_ENDS = [w + "." for w in ("today", "news", "bay", "city", "reef", "model", "percent", "story")]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "[UNK]"]
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> {% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """No test touches the user's data or cache folders; the hub is never asked."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PODCASTER_HOME", str(base / "data"))
    monkeypatch.setenv("PODCASTER_CACHE", os.environ.get("PODCASTER_TEST_CACHE", str(base / "cache")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def build_tiny_llm(folder: Path) -> Path:
    """A 2-layer Granite (a Llama-style LM) with a word-level tokenizer and a chat template.

    Granite because AutoTokenizer loads its tokenizer.json as-is; Qwen2 or Llama would rebuild
    it as their own byte-level BPE.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import GraniteConfig, GraniteForCausalLM, PreTrainedTokenizerFast
    vocab = {tok: i for i, tok in enumerate(SPECIALS + WORDS + SENTENCE_ENDS + PUNCT + [":"])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.decoder = decoders.WordPiece()  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="<|im_end|>",
                                        pad_token="<|endoftext|>", bos_token=None,
                                        additional_special_tokens=["<|im_start|>"])
    tokenizer.chat_template = CHAT_TEMPLATE
    config = GraniteConfig(vocab_size=len(vocab), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096, initializer_range=0.5,
                         tie_word_embeddings=False, eos_token_id=None,  # random text runs to the length asked
                         pad_token_id=vocab["<|endoftext|>"], bos_token_id=None)
    torch.manual_seed(0)
    model = GraniteForCausalLM(config)
    with torch.no_grad():   # flatter logits than the default init: varied words, not one repeated
        model.lm_head.weight.normal_(0, 0.3)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_kokoro(folder: Path) -> Path:
    """Kokoro's real architecture (KModel) at toy width, with random voices named like real ones."""
    import torch
    from kokoro import KModel
    from kokoro_onnx.config import DEFAULT_VOCAB
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "vocab": DEFAULT_VOCAB, "n_token": 178, "hidden_dim": 512,  # the decoder hard-codes 512 input channels
        "style_dim": 128, "n_layer": 1,
        "max_dur": 2, "dropout": 0.0, "n_mels": 80, "text_encoder_kernel_size": 5,
        "plbert": {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64,
                   "max_position_embeddings": 512, "num_hidden_layers": 1, "dropout": 0.0},
        "istftnet": {"upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6], "gen_istft_hop_size": 5,
                     "gen_istft_n_fft": 20, "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3],
                     "upsample_initial_channel": 512},
    }
    (folder / "config.json").write_text(json.dumps(config))
    torch.save({}, folder / "empty.pth")
    torch.manual_seed(0)
    model = KModel(repo_id="hexgrad/Kokoro-82M", config=str(folder / "config.json"), model=str(folder / "empty.pth"))
    (folder / "empty.pth").unlink()
    torch.save({name: getattr(model, name).state_dict() for name in ("bert", "bert_encoder", "predictor",
                                                                    "text_encoder", "decoder")},
               folder / "kokoro-tiny.pth")
    rng = np.random.default_rng(0)
    np.savez(folder / "voices.npz", **{v: rng.normal(0, 0.3, (510, 1, 256)).astype(np.float32)
                                      for v in ("af_heart", "am_michael")})
    return folder


@pytest.fixture(scope="session")
def tiny_llm(tmp_path_factory) -> Path:
    return build_tiny_llm(tmp_path_factory.mktemp("tiny-llm"))


@pytest.fixture(scope="session")
def tiny_kokoro(tmp_path_factory) -> Path:
    return build_tiny_kokoro(tmp_path_factory.mktemp("tiny-kokoro"))
