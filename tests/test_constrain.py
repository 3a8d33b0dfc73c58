"""Constrained decoding: a random-weight model with a byte-level tokenizer, which left to itself writes
any bytes at all, can only write the script's form."""
import re

import pytest

from podcaster.random_models import build_llm
from podcaster.types import Script, Turn
from podcaster.writer.constrain import LINE, script_grammar
from podcaster.writer.llm import Ask, load_llm
from podcaster.writer.script import parse_turns, validate_script

MESSAGES = [{"role": "user", "content": "Talk about the ferry."}]


@pytest.fixture(scope="module")
def byte_llm(tmp_path_factory):
    return load_llm(str(build_llm(tmp_path_factory.mktemp("byte-llm"), byte_level=True)), "cpu")


def _lines(raw: str) -> list[str]:
    return [line for line in raw.split("\n") if line]


@pytest.mark.parametrize("max_new_tokens", [30, 90, 250])
def test_every_reply_is_a_valid_script_across_seeds(byte_llm, max_new_tokens):
    assert byte_llm.constrained is not None
    grammar = script_grammar("Ava", "Kai", max_turns=5, max_chars=150)
    free = byte_llm.chat(MESSAGES, prefix="Ava:", max_new_tokens=max_new_tokens, seed=0)
    assert not all(LINE.match(line) for line in _lines(free))   # unconstrained, the model writes noise
    for seed in range(40):
        raw = byte_llm.chat(MESSAGES, prefix="Ava:", max_new_tokens=max_new_tokens, seed=seed, grammar=grammar)
        lines = _lines(raw)
        assert lines and all(LINE.match(line) for line in lines), (seed, raw)
        assert [LINE.match(line)["name"] for line in lines] == ["Ava", "Kai", "Ava", "Kai", "Ava"][:len(lines)]
        # valid as written: every line a turn, nothing for the repairs to change or drop
        turns = [Turn(LINE.match(line)["name"].lower(), line.split(": ", 1)[1]) for line in lines]
        validate_script(Script("t", "2026-11-26", {"ava": "Ava", "kai": "Kai"}, [], turns))
        assert len(parse_turns(raw, {"ava": "ava", "kai": "kai"}, 0, [])) == len(lines)


def test_the_grammar_keeps_to_its_turn_and_length_bounds(byte_llm):
    grammar = script_grammar("Ava", "Kai", max_turns=2, max_chars=20)
    for seed in range(20):
        lines = _lines(byte_llm.chat(MESSAGES, prefix="Ava:", max_new_tokens=400, seed=seed, grammar=grammar))
        assert 1 <= len(lines) <= 2
        # a time ("10:30") is one unit of the text's length; first letter, stop and quote come on top
        assert all(len(re.sub(r"\d:\d\d", "t", line.split(": ", 1)[1])) <= 20 + 3 for line in lines)
    # a story segment needs both hosts: with min_turns the reply cannot end after the first
    both = script_grammar("Ava", "Kai", max_turns=3, max_chars=20, min_turns=2)
    for seed in range(10):
        lines = _lines(byte_llm.chat(MESSAGES, prefix="Ava:", max_new_tokens=400, seed=seed, grammar=both))
        assert [LINE.match(line)["name"] for line in lines][:2] == ["Ava", "Kai"] and len(lines) <= 3


def test_a_tokenizer_the_library_cannot_read_falls_back_to_free_text(tiny_llm):
    # the word-level test tokenizer joins words with spaces: llguidance cannot map its tokens to bytes
    llm = load_llm(str(tiny_llm), "cpu")
    assert llm.constrained is None
    grammar = script_grammar("Ava", "Kai", max_turns=4, max_chars=100)
    assert llm.chat(MESSAGES, prefix="Ava:", max_new_tokens=20, seed=1, grammar=grammar).startswith("Ava:")


def test_a_batch_of_conversations_each_keeps_its_form(byte_llm):
    """Notes for several stories, and all the segments of a show, are written in one batch: left-padded
    prompts of different lengths, each row with its own opening words, grammar and token limit."""
    byte_llm.tokenizer.padding_side = "right"     # chat_many must set left padding itself
    asks = [Ask([{"role": "user", "content": "Talk about the ferry." * n}], prefix=f"{first}:", max_new_tokens=limit,
                grammar=script_grammar(first, second, max_turns=3, max_chars=60))
            for n, first, second, limit in ((1, "Ava", "Kai", 60), (4, "Kai", "Ava", 25), (9, "Ava", "Kai", 120))]
    for seed in range(10):
        replies = byte_llm.chat_many(asks, seed=seed)
        assert len(replies) == 3
        for ask, raw in zip(asks, replies):
            lines = _lines(raw)
            assert lines and all(LINE.match(line) for line in lines), raw
            first, second = ask.prefix[:-1], "Kai" if ask.prefix == "Ava:" else "Ava"
            assert [line.split(":")[0] for line in lines] == [(first, second)[k % 2] for k in range(len(lines))]
            assert len(byte_llm.tokenizer(raw[len(ask.prefix):])["input_ids"]) <= ask.max_new_tokens + 1, raw


def test_sampling_keeps_the_tokens_transformers_would():
    """top_k_top_p is transformers' temperature, top-k and top-p warpers in one, without sorting the
    whole vocabulary: the same tokens survive with the same scores."""
    import torch
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    from podcaster.writer.llm import top_k_top_p
    torch.manual_seed(0)
    for spread in (0.5, 3.0, 12.0):     # flat to peaked distributions: top-p keeps many to one
        scores = torch.randn(4, 5000) * spread
        scores[1, 100:] = float("-inf")   # a grammar that allows only 100 tokens
        ids = torch.zeros(4, 1, dtype=torch.long)
        expected = scores.clone()
        for warper in (TemperatureLogitsWarper(0.7), TopKLogitsWarper(50), TopPLogitsWarper(0.9)):
            expected = warper(ids, expected)
        got = top_k_top_p(0.7, 50, 0.9)(ids, scores.clone())
        assert torch.equal(torch.isinf(got), torch.isinf(expected))
        assert torch.allclose(got[~torch.isinf(got)], expected[~torch.isinf(expected)])


def test_a_row_cut_at_its_limit_mid_sentence_lets_the_others_go_on(byte_llm):
    """A row whose token limit comes before its grammar can end is stopped there (its reply is cut),
    while the longer rows of the batch keep writing in their form."""
    grammar = script_grammar("Ava", "Kai", max_turns=3, max_chars=60)
    asks = [Ask(MESSAGES, prefix="Ava:", max_new_tokens=1, grammar=grammar),     # one token: no sentence ends
            Ask(MESSAGES, prefix="Ava:", max_new_tokens=60, grammar=grammar)]
    for seed in range(5):
        short, long = byte_llm.chat_many(asks, seed=seed)
        assert len(byte_llm.tokenizer(short[len("Ava:"):])["input_ids"]) <= 2, short
        assert all(LINE.match(line) for line in _lines(long)), long
