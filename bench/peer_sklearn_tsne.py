"""The scikit-learn peer of `webgpu-dec tsne` (bench/tsne.ts runs it), in two modes.

map: Barnes-Hut t-SNE of the rows of a float32 [n, d] .npy with the settings ours defaults to
(perplexity 30, early exaggeration 12 for the first 250 iterations, learning rate 'auto', 1000
iterations, PCA initialisation), angle 0.5, two threads. Writes the map [n, 2] as float32 .npy and
a JSON: seconds (wall clock of fit_transform alone: the kNN, P, the iterations), kl_divergence_,
n_iter_, the process's peak RSS and the versions.

    python3 bench/peer_sklearn_tsne.py map --x X.npy --seed S --map-out Y.npy --json-out R.json

trust: trustworthiness T(5) of one or more maps of the same X, all by sklearn.manifold.trustworthiness
on the same rows (those in --sample, positions into X; every row without it), so that ours' maps and
the peer's get their T(5) from one function on one sample. Prints {"t5": [one per map], "points": m}.

    python3 bench/peer_sklearn_tsne.py trust --x X.npy --maps A.npy,B.npy [--sample IDX.npy]

Exit code 2 with one line on stderr for bad input; 3 when scikit-learn cannot be imported (the bench
then skips the peer with a note instead of failing).
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

try:
    import sklearn
    from sklearn.manifold import TSNE, trustworthiness
except ImportError as e:  # the caller tells "no scikit-learn" apart from a failure by this code
    print(f"scikit-learn is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def load_matrix(path, cols=None):
    try:
        a = np.load(path)
    except (OSError, ValueError) as e:
        fail(f"{path}: not a readable .npy ({e})")
    if a.ndim != 2 or (cols is not None and a.shape[1] != cols):
        fail(f"{path}: expected a 2-D array{'' if cols is None else f' of {cols} columns'}; got shape {a.shape}")
    return a


def run_map(args):
    x = load_matrix(args.x).astype(np.float32, copy=False)
    # scikit-learn 1.5 renamed n_iter to max_iter; Debian's 1.2 knows only n_iter.
    iters = {"n_iter": args.iterations} if "n_iter" in TSNE().get_params() else {"max_iter": args.iterations}
    model = TSNE(
        n_components=2,
        perplexity=args.perplexity,
        early_exaggeration=12.0,
        learning_rate="auto",
        init="pca",
        method="barnes_hut",
        angle=0.5,
        n_jobs=args.threads,
        random_state=args.seed,
        **iters,
    )
    t0 = time.perf_counter()
    y = model.fit_transform(x)
    seconds = time.perf_counter() - t0
    np.save(args.map_out, y.astype(np.float32))
    result = {
        "seconds": seconds,
        "kl_divergence": float(model.kl_divergence_),
        "n_iter": int(model.n_iter_),
        "learning_rate": float(model.learning_rate_),
        # ru_maxrss is in KB on Linux; MB here are 10^6 bytes, as ours' peak_rss_mb.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "n": int(x.shape[0]),
        "d": int(x.shape[1]),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "threads": args.threads,
        "settings": {k: v for k, v in model.get_params().items() if k not in ("verbose", "metric_params")},
    }
    with open(args.json_out, "w") as f:
        json.dump(result, f, indent=1)


def run_trust(args):
    x = load_matrix(args.x)
    idx = np.arange(x.shape[0]) if args.sample is None else np.load(args.sample).astype(np.int64)
    if idx.ndim != 1 or len(idx) < 12 or idx.min() < 0 or idx.max() >= x.shape[0]:
        fail(f"{args.sample}: expected at least 12 row numbers below {x.shape[0]}")
    t5 = []
    for path in args.maps.split(","):
        y = load_matrix(path, 2)
        if y.shape[0] != x.shape[0]:
            fail(f"{path}: {y.shape[0]} points, but {args.x} has {x.shape[0]} rows")
        t5.append(float(trustworthiness(x[idx], y[idx], n_neighbors=5)))
    print(json.dumps({"t5": t5, "points": int(len(idx))}))


def main():
    p = argparse.ArgumentParser(description="scikit-learn's Barnes-Hut t-SNE and T(5), the peer of webgpu-dec tsne")
    sub = p.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("map")
    m.add_argument("--x", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--perplexity", type=float, default=30.0)
    m.add_argument("--iterations", type=int, default=1000)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--map-out", required=True)
    m.add_argument("--json-out", required=True)
    t = sub.add_parser("trust")
    t.add_argument("--x", required=True)
    t.add_argument("--maps", required=True)
    t.add_argument("--sample")
    args = p.parse_args()
    run_map(args) if args.mode == "map" else run_trust(args)


if __name__ == "__main__":
    main()
