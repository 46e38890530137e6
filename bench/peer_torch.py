"""The PyTorch peer of the bench's training steps (bench/peer-torch.ts runs it): the same
autoencoder step and DEC step as bench/suites.ts (784-500-500-2000-10 and its mirror, batch 256,
ReLU between layers, MSE, SGD lr 0.01 momentum 0.9; the DEC step: encoder, Student's t q with
alpha 1, KL(P||Q) against a fixed P, SGD over the encoder and the centres), on the CPU with every
core, timed the same way: a warm-up, then samples of several steps, the median per step.

Prints one JSON object: {"torch": version, "threads": n, "cases": [{name, median_ms, min_ms,
max_ms, samples}]}. Usage: python3 bench/peer_torch.py [--quick]
"""
import json
import os
import statistics
import sys
import time

import torch
from torch_stack import stack  # bench/ is on the path: Python puts the script's folder there

QUICK = "--quick" in sys.argv
torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)

DIMS = [784, 500, 500, 2000, 10]
BATCH = 256




encoder = stack(DIMS)
decoder = stack(DIMS[::-1])
x = torch.rand(BATCH, DIMS[0])


def timed(name, step, min_samples, max_time_s):
    """Median ms per step: a sample runs `reps` steps, sized so that it lasts >= 20 ms."""
    step()
    t0 = time.perf_counter()
    step()
    reps = max(1, min(200, int(0.02 / max(time.perf_counter() - t0, 1e-6)) + 1))
    samples = []
    start = time.perf_counter()
    while len(samples) < min_samples or (time.perf_counter() - start < max_time_s and len(samples) < 100):
        t = time.perf_counter()
        for _ in range(reps):
            step()
        samples.append((time.perf_counter() - t) * 1000 / reps)
    return {"name": name, "median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "samples": len(samples)}


ae_opt = torch.optim.SGD(list(encoder.parameters()) + list(decoder.parameters()), lr=0.01, momentum=0.9)


def ae_step():
    ae_opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(decoder(encoder(x)), x)
    loss.backward()
    ae_opt.step()


mu = torch.nn.Parameter(torch.rand(10, DIMS[-1]))
p = torch.full((BATCH, 10), 0.1)
dec_opt = torch.optim.SGD(list(encoder.parameters()) + [mu], lr=0.01, momentum=0.9)


def dec_step():
    dec_opt.zero_grad(set_to_none=True)
    z = encoder(x)
    q = 1.0 / (1.0 + torch.cdist(z, mu) ** 2)  # alpha = 1: (1 + ||z - mu||^2)^-1
    q = q / q.sum(dim=1, keepdim=True)
    loss = (p * (p.log() - q.log())).sum() / BATCH
    loss.backward()
    dec_opt.step()


opts = (3, 0.5) if QUICK else (7, 3.0)
cases = [timed("ae-step", ae_step, *opts), timed("dec-step", dec_step, *opts)]
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": cases}))
