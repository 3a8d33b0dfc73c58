"""Constrained decoding: the LLM can only write the script's form, so malformed lines never occur.

The form is a grammar (llguidance, a Lark-like CFG matched token by token): the two hosts take turns,
each line is 'Name: text', the text has no markup, brackets, slashes, emoji or line labels, and ends a
sentence. Near the token limit the reply is steered to end at a sentence, so it also cannot be cut off.
Tokenizers llguidance cannot read (not a fast tokenizer, or one whose pieces do not join back into its
text) get None from tokenizer_for, and the writer falls back to checking and repairing free text.
"""
from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# what a spoken line may hold: letters (Latin, with accents), digits, plain punctuation, and a colon
# only between the digits of a time ("10:30", not "important:10")
_CHAR = r"""[A-Za-z\u00C0-\u017F0-9 ,;'"%$£&.!?\-]|[0-9]:[0-9][0-9]"""
CLOSE_WINDOW = 24   # tokens left: no new turn is started, the reply ends at the next sentence end
FORCE_END = 3       # tokens left: the sentence is ended now (first letter, stop, end of reply)
# the same form as a Python pattern, for checks and tests
LINE = re.compile(r"""^(?P<name>[^:]+): [A-Z0-9"']"""
                  r"""(?:[A-Za-z\u00C0-\u017F0-9 ,;'"%$£&.!?\-]|[0-9]:[0-9][0-9])*[.!?]["']?$""")


def script_grammar(first: str, second: str, max_turns: int, max_chars: int, min_turns: int = 1) -> str:
    """The grammar of a reply that starts after the prompt's 'First:': the hosts alternate, and the
    reply may end after any turn from min_turns to max_turns, each of at most max_chars."""
    def quoted(name: str) -> str:
        return '"' + name.replace("\\", "").replace('"', "") + '"'

    def then(k: int) -> str:    # the reference to turn k from turn k-1: optional once min_turns are done
        return "" if k > max_turns else f" turn{k}" + ("?" if k > min_turns else "")
    # nested rules keep the count bounded
    rules = [f'start: " " text{then(2)}']
    for k in range(2, max_turns + 1):
        name = second if k % 2 == 0 else first
        rules.append(f'turn{k}: NEWLINE {quoted(name)} ": " text{then(k + 1)}')
    rules += [f"""text: /[A-Z0-9"'](?:{_CHAR}){{0,{max_chars}}}[.!?]["']?/""",
              "NEWLINE: /\\n\\n?/"]   # models like a blank line between turns
    return "\n".join(rules)


def tokenizer_for(tokenizer) -> object | None:
    """llguidance's view of an HF tokenizer, or None (with the reason logged) if it cannot constrain it."""
    try:
        import llguidance
        import llguidance.hf
        constrained = llguidance.hf.from_tokenizer(tokenizer, n_vocab=len(tokenizer), eos_token=stop_tokens(tokenizer))
    except Exception as e:  # not a fast tokenizer, or one the library does not parse
        log.info("the LLM's output cannot be constrained (%s); its scripts are checked and repaired instead",
                 str(e).splitlines()[0] if str(e) else type(e).__name__)
        return None
    sample = "Kai: The bay's ferry, 12 % faster at 10:30. Right?"
    ids = tokenizer.encode(sample, add_special_tokens=False)
    if constrained.decode_str(ids) != tokenizer.decode(ids):   # e.g. word-level vocabularies joined by spaces
        log.info("the LLM's tokenizer does not map tokens to text piece by piece; its scripts are checked "
                 "and repaired instead of constrained")
        return None
    return constrained


def stop_tokens(tokenizer) -> list[int]:
    ids = {tokenizer.eos_token_id} | {tokenizer.convert_tokens_to_ids(t)
                                       for t in ("<|im_end|>", "<|eot_id|>", "<|end|>") if t in tokenizer.get_vocab()}
    return sorted(i for i in ids if i is not None)


def notes_grammar(max_notes: int, max_chars: int) -> str:
    """The grammar of fact notes that start after the prompt's '- ': one plain line per fact."""
    return "\n".join([f'start: note ("\\n- " note){{0,{max_notes - 1}}}',
                      f"""note: /[A-Za-z0-9"'$£](?:{_CHAR}){{0,{max_chars}}}/"""])


def logits_processor(constrained, tokenizer, grammars: list[str | None], prompt_length: int, limits: list[int]):
    """A transformers LogitsProcessor that lets only each row's grammar's tokens through (a row with no
    grammar: any token), and ends each row within its own token limit."""
    import llguidance
    import torch
    from transformers import LogitsProcessor

    matchers = [llguidance.LLMatcher(constrained, grammar, log_level=0) if grammar else None for grammar in grammars]
    for matcher in matchers:
        if matcher is not None and matcher.is_error():
            raise ValueError(f"grammar: {matcher.get_error()}")
    stops = stop_tokens(tokenizer)
    enders = [ids[0] for ids in (tokenizer.encode(c, add_special_tokens=False) for c in ".!?") if len(ids) == 1]

    class GrammarProcessor(LogitsProcessor):
        def __call__(self, input_ids, scores):
            made = input_ids.shape[1] - prompt_length
            for row, (matcher, limit) in enumerate(zip(matchers, limits)):
                left = limit - made
                # past its limit a row has been ended by force, maybe mid-sentence: its grammar reads no more
                if made and left >= 0 and matcher is not None and not matcher.is_stopped() and \
                        not matcher.consume_token(int(input_ids[row, -1])):
                    raise RuntimeError(f"constrained decoding: {matcher.get_error()}")
                allowed = torch.zeros(scores.shape[-1], dtype=torch.bool)
                if left <= 0 or matcher is not None and matcher.is_stopped():
                    allowed[stops] = True   # at its limit, or its grammar complete: only the end (then padding)
                elif matcher is None:
                    continue
                else:
                    bias = torch.frombuffer(bytearray(matcher.compute_logit_bias()), dtype=torch.uint8)
                    count = min(bias.numel(), allowed.numel())
                    allowed[:count] = bias[:count] > 0
                    if left <= CLOSE_WINDOW and matcher.is_accepting():
                        allowed = _only(allowed, stops)
                    elif left <= FORCE_END:
                        allowed = _only(allowed, enders)
                scores[row].masked_fill_(~allowed, float("-inf"))
            return scores

    return GrammarProcessor()


def _only(allowed, ids: list[int]):
    """allowed narrowed to ids, or unchanged where the grammar allows none of them here."""
    narrowed = allowed.clone()
    narrowed[:] = False
    narrowed[ids] = allowed[ids]
    return narrowed if narrowed.any() else allowed
