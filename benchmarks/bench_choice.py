"""Choice scoring, naive against shared prefix, on the LAMM model at LAMM's sequence sizes, side by side in one run.

ChEF scores every option of a question by its likelihood. The naive way (the reference's, and every peer harness's)
runs one whole sequence per option: ``<s>``, the head, 256 image tokens, the human turn and the answer turn. The
shared way (lamm-bench's default) runs the prefix -- everything up to ``### Assistant:`` -- once per question,
repeats its KV cache over the options and runs only each option's answer turn. Both score the same tokens; the
scores are checked equal (1e-4) before anything is timed.

The model is LAMM's own code (``LammModel``) around a random LLaMA of a chosen size (CPU default: hidden 512, 8
layers, LLaMA's 32000-token vocabulary) with 256 visual tokens; the visual encoder is left out (both ways encode
each image once). The requests are ChEF's: CIFAR10 (10 options, ``The photo of the `` / ``The object in the image is
{}``) and an MMBench-style question (4 options, its hint/question/options prompt, ``The correct option for the
question is {}``).

Run: ``python benchmarks/bench_choice.py [--hidden 512] [--layers 8] [--questions 8] [--repeats 3] [--device cpu]
[--dtype float32]``. ``benchmarks/gpu.sh`` runs it on the GPU at LAMM-7B's size (hidden 4096, 32 layers, fp16) as
its ``choice`` section. In fp32 the scores must agree within 1e-4 before anything is timed; in half precision the
largest difference and the number of questions whose choice differs are reported instead.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from lamm_bench.model_adapters.lamm.checkpoint import load_tokenizer
from lamm_bench.model_adapters.lamm.model import LammModel
from lamm_bench.model_adapters.lamm.prompt import choice_layouts
from lamm_bench.records import fill_option


CIFAR = ("cat", "ship", "airplane", "frog", "automobile", "truck", "dog", "horse", "deer", "bird")
MMBENCH = (
    "The passage is about a city that grows along a river. Which statement is best supported by the passage? "
    "There are several options:\n(A) The city was built on a hill.\n(B) The river shaped how the city grew.\n"
    "(C) The city has no bridges.\n(D) The river dried up long ago.\nWhat is the correct option for this question?"
)


def tokenizer(folder: Path):
    """A SentencePiece BPE model with byte fallback (LLaMA's kind), trained on ChEF's prompt text."""
    import sentencepiece

    corpus = folder / "corpus.txt"
    text = [MMBENCH, "The photo of the ", "The object in the image is", "The correct option for the question is",
            " ".join(CIFAR), "### Human: <Img> </Img> ### Assistant:"]  # fmt: skip
    corpus.write_text("\n".join(text * 50))
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(folder / "tokenizer"), vocab_size=400, model_type="bpe",
        byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2,
    )  # fmt: skip
    return load_tokenizer(folder)


def model(tok, hidden: int, layers: int, device: str, dtype: str = "float32") -> LammModel:
    """LAMM's model around a random LLaMA of this size, built directly on ``device`` in ``dtype``."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=32000, hidden_size=hidden, intermediate_size=hidden * 8 // 3, num_hidden_layers=layers,
                         num_attention_heads=max(1, hidden // 128 if hidden >= 2048 else hidden // 64),
                         max_position_embeddings=2048)  # fmt: skip
    torch.manual_seed(0)
    with torch.device(device):
        llm = LlamaForCausalLM._from_config(config, torch_dtype=getattr(torch, dtype)).eval()
    lamm = LammModel(torch.nn.Identity(), llm, tok, modality="image", vision_width=hidden, num_tokens=256)
    return lamm.to(device).eval()


def layouts(tok, kind: str, n: int):
    text, options, template = (("The photo of the ", CIFAR, "The object in the image is {}") if kind == "cifar" else
                               (MMBENCH, ("(A", "(B", "(C", "(D"), "The correct option for the question is {}"))  # fmt: skip
    answers = [fill_option(template, o) for o in options]
    return [choice_layouts(tok.encode, tok.bos_id, text, answers, options, modality="image", n_visual=256)
            for _ in range(n)]  # fmt: skip


def timed(fn, repeats: int, device: str = "cpu") -> float:
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def measure(hidden: int, layers: int, questions: int, repeats: int, device: str, dtype: str = "float32") -> list[dict]:
    """One row per recipe (MMBench-style at 4 options, CIFAR10 at 10): naive and shared seconds per call of
    ``questions`` questions (median of ``repeats``, the device synchronized), their ratio and agreement."""
    with tempfile.TemporaryDirectory() as tmp:
        tok = tokenizer(Path(tmp))
        lamm = model(tok, hidden, layers, device, dtype)
    visual = torch.randn(questions, 256, hidden, device=device, dtype=getattr(torch, dtype))
    out = []
    for kind in ("mmbench", "cifar"):
        choices = layouts(tok, kind, questions)
        rows = [(i, k) for i, c in enumerate(choices) for k in range(len(c.answers))]
        with torch.no_grad():

            def naive():
                return lamm.option_scores([choices[i].full(k) for i, k in rows], visual[[i for i, _ in rows]])

            def shared():
                return [s for own in lamm.shared_option_scores(choices, visual) for s in own]

            slow_scores, fast_scores = naive(), shared()
            difference = max(abs(a - b) for a, b in zip(slow_scores, fast_scores))
            if dtype == "float32":
                assert difference < 1e-4, f"shared and naive scores differ by {difference}"
            n = len(choices[0].answers)
            flips = sum(_argmax(slow_scores[q * n:(q + 1) * n]) != _argmax(fast_scores[q * n:(q + 1) * n])
                        for q in range(questions))  # fmt: skip
            slow, fast = timed(naive, repeats, device), timed(shared, repeats, device)
        out.append({"recipe": kind, "options": n, "questions": questions, "dtype": dtype, "naive_s": round(slow, 4),
                    "shared_s": round(fast, 4), "speedup": round(slow / fast, 2), "max_score_difference": difference,
                    "choices_differing": flips})  # fmt: skip
    return out


def _argmax(scores: list[float]) -> int:
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float16", "bfloat16"))
    args = parser.parse_args()
    rows = measure(args.hidden, args.layers, args.questions, args.repeats, args.device, args.dtype)
    print(f"LAMM model: random LLaMA hidden {args.hidden}, {args.layers} layers, vocab 32000; 256 visual tokens; "
          f"{args.questions} questions per call; {args.device}, {args.dtype}; median of {args.repeats}")  # fmt: skip
    print("| recipe | options | naive (s) | shared (s) | speed-up | max score difference | choices differing |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['recipe']} | {r['options']} | {r['naive_s']:.3f} | {r['shared_s']:.3f} | {r['speedup']:.1f}x "
              f"| {r['max_score_difference']:.1e} | {r['choices_differing']} |")  # fmt: skip


if __name__ == "__main__":
    main()
