#!/usr/bin/env python3
"""Records real learning curves of many MLPs on the shipped digits for the pruner benchmark
(test/bench/curves/digits-mlp.json), on the CPU.

Why: the pruner bench's other tables hold 240 configurations each, so a 100-trial study finds
the best region within its first half and a pruner can at best tie with no pruning. The curves
that showed sodate's default pruner losing (#19) were 2,000 MLP configurations with cosine
annealing from a public learning-curve benchmark; this records a table of that shape on data
the repository ships: `count` configurations drawn from an image-baseline-like space (AdamW or
SGD with Nesterov momentum, linear warmup then cosine decay to zero per step, weight decay,
label smoothing, mixup, dropout, EMA of weights, one-pixel shifts, width and depth), each
trained for `epochs` epochs on 500 digits and validated on 300 others after every epoch, so
validation accuracy moves in steps of 1/300.

Speed: the configurations that share a batch size, width and depth are trained together as one
stack of independent models (batched matrix products, optimizers written out per model), which
removes the per-step overhead of tiny models; what is left is arithmetic, most of it in the
width-256 models. Every model has its own initialisation, data order, dropout masks, mixup draws
and shifts, from generators seeded by its index; no number crosses from one model to another.

The shipped table was recorded with `--count 2000 --epochs 40 --widths 64,128` (the 1,300-odd
configurations of widths 64 and 128 among the 2,000 drawn; the width-256 third would have
tripled the time on a shared 2-core machine), in four shards run side by side and gathered:

    for k in 0 1 2 3; do python3 scripts/record-digits-mlp-curves.py --widths 64,128 --shard $k/4 & done; wait
    python3 scripts/record-digits-mlp-curves.py --widths 64,128

Ran once; the bench only reads the file.
"""
import argparse
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "data", "digits")
TRAIN, VALIDATION_AT, VALIDATION = 500, 1000, 300


def draw(i):
    """Configuration i, in the units of search-spaces/image-baseline.yaml where they overlap."""
    rng = random.Random(20261204 * 100003 + i)
    optimizer = rng.choice(["adamw", "sgd"])
    ema = rng.random() < 0.4
    p = {
        "optimizer": optimizer,
        "lr": 10 ** rng.uniform(math.log10(3e-3), 0) if optimizer == "sgd" else 10 ** rng.uniform(-4, -1),
        "weight_decay": 10 ** rng.uniform(-5, -1),
        "batch_size": rng.choice([16, 32, 64, 128]),
        "warmup_epochs": rng.randint(0, 5),
        "dropout": rng.choice([0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
        "ema": ema,
        "label_smoothing": rng.choice([0.0, 0.05, 0.1, 0.15, 0.2]),
        "mixup_alpha": rng.choice([0.0, 0.1, 0.2, 0.3, 0.4]),
        "shift": rng.random() < 0.5,
        "width": rng.choice([64, 128, 256]),
        "depth": rng.choice([1, 2, 3]),
    }
    if optimizer == "sgd":
        p["momentum"] = rng.uniform(0.8, 0.99)
    if ema:
        p["ema_decay"] = 10 ** rng.uniform(math.log10(0.95), math.log10(0.999))
    return p


def column(configs, key, default, torch):
    return torch.tensor([float(c.get(key, default)) for c in configs])


def train_group(indices, configs, epochs, torch, x_shifts, y_train, x_val, y_val):
    """Trains the models of one (batch size, width, depth) group side by side; returns their curves."""
    F = torch.nn.functional
    K = len(indices)
    p0 = configs[0]
    bs, width, depth = p0["batch_size"], p0["width"], p0["depth"]
    n = y_train.shape[0]
    gens = [torch.Generator().manual_seed(1_000_003 * i + 17) for i in indices]

    # Per-model initialisation (PyTorch's Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    sizes = [64] + [width] * depth + [10]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        weights.append(torch.stack([(torch.rand(fan_in, fan_out, generator=g) * 2 - 1) * bound for g in gens]).requires_grad_())
        biases.append(torch.stack([(torch.rand(1, fan_out, generator=g) * 2 - 1) * bound for g in gens]).requires_grad_())
    params = weights + biases
    ema_params = [q.detach().clone() for q in params]

    lr = column(configs, "lr", 0, torch)
    wd = column(configs, "weight_decay", 0, torch)
    momentum = column(configs, "momentum", 0, torch)
    is_sgd = torch.tensor([c["optimizer"] == "sgd" for c in configs])
    dropout = column(configs, "dropout", 0, torch)
    smoothing = column(configs, "label_smoothing", 0, torch)
    alpha = column(configs, "mixup_alpha", 0, torch)
    shift = torch.tensor([c["shift"] for c in configs])
    has_ema = torch.tensor([c["ema"] for c in configs])
    ema_decay = column(configs, "ema_decay", 0, torch)
    warmup = torch.tensor([c["warmup_epochs"] for c in configs])

    steps_per_epoch = math.ceil(n / bs)
    total = epochs * steps_per_epoch
    warm_steps = (warmup * steps_per_epoch).float()
    m1 = [torch.zeros_like(q) for q in params]  # SGD momentum buffer / Adam first moment
    m2 = [torch.zeros_like(q) for q in params]  # Adam second moment
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def per_model(v, like):  # a [K] vector broadcast against a [K, ...] tensor
        return v.view(-1, *([1] * (like.dim() - 1)))

    def forward(x, ws, bs_, train):
        h = x
        for layer in range(len(ws)):
            if train and layer > 0:
                keep = 1 - dropout
                mask = torch.stack([torch.rand(h.shape[1], h.shape[2], generator=g) for g in gens]) < per_model(keep, h)
                h = h * mask / per_model(keep.clamp(min=1e-6), h)
            h = torch.baddbmm(bs_[layer], h, ws[layer])
            if layer < len(ws) - 1:
                h = F.relu(h)
        return h

    mixers = [random.Random(7_919 * i + 5) for i in indices]
    step = 0
    val_loss = [[] for _ in range(K)]
    val_acc = [[] for _ in range(K)]
    one_hot = F.one_hot(y_train, 10).float()
    for _epoch in range(epochs):
        orders = torch.stack([torch.randperm(n, generator=g) for g in gens])  # [K, n]
        for s in range(steps_per_epoch):
            idx = orders[:, s * bs:(s + 1) * bs]  # [K, b]
            b = idx.shape[1]
            shifts = torch.stack([torch.randint(0, 9, (1,), generator=g) for g in gens]).view(-1)
            shifts = torch.where(shift, shifts, torch.full_like(shifts, 4))  # 4: no shift
            xb = x_shifts[shifts.view(-1, 1), idx]  # [K, b, 64]
            target = one_hot[idx]  # [K, b, 10]
            target = target * per_model(1 - smoothing, target) + per_model(smoothing / 10, target)
            lam = torch.tensor([m.betavariate(a, a) if a > 0 else 1.0 for m, a in zip(mixers, alpha.tolist())])
            mix = torch.stack([torch.randperm(b, generator=g) for g in gens])  # [K, b]
            xm = torch.gather(xb, 1, mix.unsqueeze(-1).expand_as(xb))
            tm = torch.gather(target, 1, mix.unsqueeze(-1).expand_as(target))
            xb = per_model(lam, xb) * xb + per_model(1 - lam, xb) * xm
            target = per_model(lam, target) * target + per_model(1 - lam, target) * tm
            logits = forward(xb, weights, biases, True)
            # Each model's mean loss; summed so that every model gets its own gradient.
            loss = -(target * F.log_softmax(logits, dim=-1)).sum(-1).mean(-1).sum()
            grads = torch.autograd.grad(loss, params)
            rate = torch.where(step < warm_steps, (step + 1) / warm_steps.clamp(min=1),
                               0.5 * (1 + torch.cos(math.pi * (step - warm_steps) / (total - warm_steps).clamp(min=1))))
            lr_t = lr * rate
            t = step + 1
            with torch.no_grad():
                for q, g, a, v in zip(params, grads, m1, m2):
                    # SGD (PyTorch's: coupled weight decay, Nesterov momentum).
                    g_sgd = g + per_model(wd, q) * q
                    a_sgd = per_model(momentum, a) * a + g_sgd
                    d_sgd = g_sgd + per_model(momentum, a) * a_sgd
                    # AdamW (decoupled weight decay).
                    a_adam = beta1 * a + (1 - beta1) * g
                    v_new = beta2 * v + (1 - beta2) * g * g
                    d_adam = (a_adam / (1 - beta1 ** t)) / ((v_new / (1 - beta2 ** t)).sqrt() + eps) + per_model(wd, q) * q
                    sgd = per_model(is_sgd, q)
                    a.copy_(torch.where(sgd, a_sgd, a_adam))
                    v.copy_(torch.where(sgd, v, v_new))
                    q.sub_(per_model(lr_t, q) * torch.where(sgd, d_sgd, d_adam))
                for e, q in zip(ema_params, params):
                    d = per_model(ema_decay, e)
                    e.copy_(torch.where(per_model(has_ema, e), d * e + (1 - d) * q, q))
            step += 1
        with torch.no_grad():
            judged = [torch.where(per_model(has_ema, q), e, q) for q, e in zip(params, ema_params)]
            logits = forward(x_val.unsqueeze(0).expand(K, -1, -1), judged[:depth + 1], judged[depth + 1:], False)
            losses = F.cross_entropy(logits.reshape(-1, 10), y_val.repeat(K), reduction="none").view(K, -1).mean(-1)
            accs = (logits.argmax(-1) == y_val.unsqueeze(0)).float().mean(-1)
        for k in range(K):
            vl = float(losses[k])
            val_loss[k].append(round(vl, 4) if math.isfinite(vl) else 99.0)
            val_acc[k].append(round(float(accs[k]), 4))
    return val_loss, val_acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "test", "bench", "curves", "digits-mlp.json"))
    ap.add_argument("--shard", default="0/1", help="k/n: train only every n-th group from the k-th (run n at once, then once more with 0/1 to gather)")
    ap.add_argument("--widths", default="64,128,256", help="keep only the configurations of these widths (the table then holds fewer than --count)")
    ap.add_argument("--reverse", action="store_true", help="take the groups from the last (a late helper for shards already running)")
    args = ap.parse_args()
    shard, shards = (int(v) for v in args.shard.split("/"))
    # Each group's curves are kept in <out>.groups/, so shards can run side by side and a rerun skips finished groups.
    cache = args.out + ".groups"
    os.makedirs(cache, exist_ok=True)
    import numpy as np
    import torch

    torch.set_num_threads(1)
    xs = np.load(os.path.join(DIGITS, "x.npy")).astype("float32")[..., 0] / 255.0  # [N, 8, 8]
    ys = np.load(os.path.join(DIGITS, "y.npy")).astype("int64")
    order = np.random.RandomState(0).permutation(len(ys))
    tr, va = order[:TRAIN], order[VALIDATION_AT:VALIDATION_AT + VALIDATION]
    x_train = torch.tensor(xs[tr])
    # The nine one-pixel shifts of the training images (index 4: unshifted), flattened.
    x_shifts = torch.stack([torch.roll(x_train, shifts=(dy, dx), dims=(1, 2)).reshape(TRAIN, 64)
                            for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    y_train = torch.tensor(ys[tr])
    x_val, y_val = torch.tensor(xs[va]).reshape(VALIDATION, 64), torch.tensor(ys[va])

    configs = [draw(i) for i in range(args.count)]
    widths = {int(w) for w in args.widths.split(",")}
    kept = [i for i, c in enumerate(configs) if c["width"] in widths]
    groups = {}
    for i in kept:
        c = configs[i]
        groups.setdefault((c["batch_size"], c["width"], c["depth"]), []).append(i)
    curves = {}
    started = time.time()
    ordered = list(enumerate(sorted(groups.items())))
    for g, (key, indices) in reversed(ordered) if args.reverse else ordered:
        path = os.path.join(cache, f"{args.count}-{args.epochs}-{key[0]}-{key[1]}-{key[2]}.json")
        if not os.path.exists(path):
            if g % shards != shard:
                continue
            loss, acc = train_group(indices, [configs[i] for i in indices], args.epochs, torch, x_shifts, y_train, x_val, y_val)
            with open(path + ".tmp", "w") as f:
                json.dump({"indices": indices, "loss": loss, "acc": acc}, f)
            os.replace(path + ".tmp", path)
            print(f"group {g + 1}/{len(groups)} {key}: {len(indices)} models, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
        with open(path) as f:
            done = json.load(f)
        for k, i in enumerate(done["indices"]):
            curves[i] = (done["loss"][k], done["acc"][k])
    if len(curves) < len(kept):
        print(f"record-digits-mlp-curves: shard {args.shard} done; {len(curves)} of {len(kept)} configurations recorded so far", file=sys.stderr)
        return
    rounded = lambda p: {k: (round(v, 6) if isinstance(v, float) else v) for k, v in p.items()}  # noqa: E731
    doc = {
        "source": "scripts/record-digits-mlp-curves.py: MLPs on data/digits, PyTorch " + torch.__version__ + " on the CPU",
        "dataset": "digits",
        "trainSamples": TRAIN,
        "validationSamples": VALIDATION,
        "epochs": args.epochs,
        "schedule": "linear warmup, cosine decay to 0 (per step)",
        "configs": [{"params": rounded(configs[i]), "val_loss": curves[i][0], "val_accuracy": curves[i][1]} for i in kept],
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"record-digits-mlp-curves: {len(kept)} configurations x {args.epochs} epochs in {time.time() - started:.0f} s -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
