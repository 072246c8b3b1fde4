"""One llama.cpp measurement in its own process (a build that crashes takes only this process down).

`python -m bench.llama_child GGUF N_BATCH PROMPT_TOKENS` prints one JSON line: prompt tokens/s (the batched
prompt processing a chat turn starts with) and decode tokens/s, medians of three runs.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from llama_cpp import Llama

FILLER = (
    "The injection molding machine B2 stopped with a hydraulic pressure alarm during the night shift; "
    "the operator checked the oil level, the filter and the pump motor before calling maintenance. "
)


def measure(gguf: str, n_batch: int, prompt_tokens: int, decode: int = 32) -> dict[str, float]:
    """Median prompt and decode tokens/s of three runs with this n_batch."""
    threads = len(os.sched_getaffinity(0))
    llm = Llama(gguf, n_ctx=2048, n_batch=n_batch, n_threads=threads, n_threads_batch=threads, verbose=False)
    tokens = llm.tokenize((FILLER * 40).encode())[:prompt_tokens]
    prompt_rates, decode_rates = [], []
    for _ in range(3):
        llm.reset()
        started = time.perf_counter()
        llm.eval(tokens)
        prompt_rates.append(len(tokens) / (time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(decode):  # greedy steps, one token each: the decode rate users wait on
            llm.eval([llm.sample(temp=0.0)])
        decode_rates.append(decode / (time.perf_counter() - started))
    return {
        "prompt_tokens": len(tokens),
        "prompt_tokens_per_s": statistics.median(prompt_rates),
        "decode_tokens_per_s": statistics.median(decode_rates),
        "threads": threads,
    }


if __name__ == "__main__":
    gguf, n_batch, n_prompt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps({"n_batch": n_batch, **measure(gguf, n_batch, n_prompt)}))
