"""CPU speed levers for the offline model set, each measured against the way the product runs today.

    python benchmarks/cpu_speed.py                 # LLM: 64 new tokens x 3; TTS: 12 lines x 2
    python benchmarks/cpu_speed.py --tokens 16 --lines 2 --repeats 1    # a quick smoke run

LLM (the offline Qwen2.5-Coder-1.5B, converted to bf16 as the product loads it): decode tokens/s
and perplexity on the demo articles of plain bf16 `generate` against int8 weights (torchao
weight-only; torch's dynamic quantisation, one activation scale per prompt; and the product's,
one per token). TTS (Kokoro int8 ONNX): real-time factor of kokoro-onnx's
default session (the product today) against explicit session options, and two sessions of one
thread each speaking two lines at once. Prints a table with medians; the first row of each
part is the baseline of its ratios. Needs the offline set (`pip install '.[offline]'`).
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from tts_runtimes import commit  # noqa: E402

from podcaster.bench import decode_speed, peak_rss_gib as peak_gib  # noqa: E402

VOICES = ("jf_alpha", "jm_kumo")


def llm_variants():
    """name -> function that turns the bf16 model into that variant (in place or returned)."""
    import torch

    def torchao_int8(model):
        from torchao.quantization import Int8WeightOnlyConfig, quantize_
        quantize_(model, Int8WeightOnlyConfig())
        return model

    def dynamic_int8(model):
        return torch.ao.quantization.quantize_dynamic(model.float(), {torch.nn.Linear}, dtype=torch.qint8)

    def per_token_int8(model):
        from podcaster.writer.int8 import quantize_linear_layers
        quantize_linear_layers(model)
        return model

    return {"bf16 (plain generate)": lambda model: model, "int8 weights, bf16 compute (torchao)": torchao_int8,
            "int8, activations per prompt (torch dynamic quantisation)": dynamic_int8,
            "int8, activations per token (the product: writer/int8.py)": per_token_int8}


def demo_text_ids(tokenizer, count: int = 700):
    """The first count tokens of the demo feeds' articles: text to score each variant's reading on."""
    import html
    import re
    feeds = sorted((HERE.parent / "examples" / "demo-feeds").iterdir())
    text = " ".join(path.read_text(encoding="utf-8") for path in feeds)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return tokenizer(text, return_tensors="pt")["input_ids"][:, :count]


def llm_rows(tokens: int, repeats: int) -> list[tuple[str, str, str]]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from podcaster import models
    from podcaster.writer.gguf import converted_gguf
    source = converted_gguf(models.offline_llm_gguf())
    tokenizer = AutoTokenizer.from_pretrained(source)
    text = demo_text_ids(tokenizer)
    rows, base = [], None
    for name, make in llm_variants().items():
        try:
            model = make(AutoModelForCausalLM.from_pretrained(source, dtype=torch.bfloat16).eval())
        except Exception as e:  # a lever this machine lacks is a row, not a crash
            rows.append((f"LLM {name}", "unavailable", f"{type(e).__name__}: {str(e)[:60]}"))
            continue
        rate, prefill = decode_speed(model, tokenizer, "cpu", tokens, repeats)
        with torch.inference_mode():    # how well it reads: perplexity on 700 tokens of the demo articles
            perplexity = math.exp(model(text, labels=text).loss.item())
        base = base or rate
        rows.append((f"LLM {name}", f"{rate:.2f} tok/s ({rate / base:.2f}x)",
                     f"perplexity {perplexity:.2f}, prefill {prefill:.2f} s, peak RSS {peak_gib():.1f} GiB"))
        del model
    return rows


def tts_rows(count: int, repeats: int) -> list[tuple[str, str, str]]:
    import onnxruntime as rt
    from kokoro_onnx import Kokoro

    from podcaster import models
    onnx, voices = map(str, models.offline_kokoro_files())
    lines = [line for line in (HERE / "sample_lines.txt").read_text().splitlines()
             if line and not line.startswith("#")][:count]

    def session(threads: int):
        options = rt.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.graph_optimization_level = rt.GraphOptimizationLevel.ORT_ENABLE_ALL
        return Kokoro.from_session(rt.InferenceSession(onnx, options, providers=["CPUExecutionProvider"]), voices)

    def say(kokoro, i: int, line: str) -> float:
        audio, rate = kokoro.create(line, voice=VOICES[i % 2], speed=1.0, lang="en-us")
        return len(audio) / rate

    default, two_threads, singles = Kokoro(onnx, voices), session(2), [session(1), session(1)]

    def two_at_once() -> float:
        with ThreadPoolExecutor(2) as pool:     # ONNX Runtime releases the GIL while it runs
            return sum(pool.map(lambda job: say(singles[job[0] % 2], *job), enumerate(lines)))

    ways = {"kokoro-onnx default session (product today)": lambda: sum(say(default, *j) for j in enumerate(lines)),
            "one session, 2 threads, all graph optimisations":
                lambda: sum(say(two_threads, *j) for j in enumerate(lines)),
            "two sessions x 1 thread, two lines at once": two_at_once}
    say(default, 0, lines[0])
    rows, base = [], None
    for name, way in ways.items():
        walls = []
        for _ in range(repeats):
            start = time.perf_counter()
            audio = way()
            walls.append(time.perf_counter() - start)
        factor = audio / statistics.median(walls)
        base = base or factor
        rows.append((f"TTS {name}", f"{factor:.2f}x real time ({factor / base:.2f}x)",
                     f"{len(lines)} lines, {audio:.0f} s of audio, median {statistics.median(walls):.1f} s"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch
    rows = [("machine", f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
             f"torch {torch.__version__}, commit {commit()}")]
    rows += tts_rows(args.lines, max(1, args.repeats - 1)) + llm_rows(args.tokens, args.repeats)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in [("what", "speed (ratio to the first of its part)", "notes")] + rows:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
