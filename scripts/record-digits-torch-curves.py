#!/usr/bin/env python3
"""Records real learning curves of a PyTorch CNN on the shipped digits for the pruner benchmark
(test/bench/curves/digits-torch.json), on a GPU when there is one.

Why a third table: the built-in trainer's (digits-cosine.json) and the PyTorch example's
(pytorch-cnn.json) hold 240 configurations each, so a 100-trial study finds the best region
quickly and leaves pruning no headroom. This one draws many more configurations from an
image-baseline-like space (AdamW or SGD, linear warmup then cosine decay to zero, label
smoothing, mixup, dropout, EMA of weights, random shifts, width), trains each for `epochs`
epochs on 1,000 digits and validates on 300 others after every epoch: validation accuracy moves
in steps of 1/300, curves flatten early and cross late, as real cosine-schedule curves do.

    python3 scripts/record-digits-torch-curves.py [--count 1200] [--epochs 30] [--workers 16]
        [--seconds 300] [--out test/bench/curves/digits-torch.json]

Configuration i is drawn from a generator seeded with (20261204, i) and trained with seed i, so
a configuration's curve does not depend on which worker ran it. Workers append one JSON line
per finished configuration to `<out>.partial`; when the time is up (or all are done) the file
is written with the configurations that finished, sorted by index. Ran once; the bench only
reads the file.
"""
import argparse
import copy
import json
import math
import multiprocessing as mp
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "data", "digits")
TRAIN, VALIDATION = 1000, 300


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
        "width": rng.choice([8, 16, 32]),
    }
    if optimizer == "sgd":
        p["momentum"] = rng.uniform(0.8, 0.99)
    if ema:
        p["ema_decay"] = 10 ** rng.uniform(math.log10(0.95), math.log10(0.999))
    return p


def train(i, p, epochs, torch, data):
    nn = torch.nn
    F = nn.functional
    device = data["device"]
    torch.manual_seed(i)
    gen = torch.Generator(device=device).manual_seed(i)
    w = p["width"]
    model = nn.Sequential(
        nn.Conv2d(1, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
        nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(p["dropout"]), nn.Linear(2 * w, 10),
    ).to(device)
    ema = copy.deepcopy(model) if p["ema"] else None
    if p["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"], weight_decay=p["weight_decay"], nesterov=True)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    x, y = data["x_train"], data["y_train"]
    bs = p["batch_size"]
    steps_per_epoch = math.ceil(TRAIN / bs)
    total = epochs * steps_per_epoch
    warmup = p["warmup_epochs"] * steps_per_epoch

    def rate(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    beta = torch.distributions.Beta(p["mixup_alpha"], p["mixup_alpha"]) if p["mixup_alpha"] > 0 else None
    val_loss, val_acc = [], []
    for _epoch in range(epochs):
        model.train()
        order = torch.randperm(TRAIN, device=device, generator=gen)
        for s in range(steps_per_epoch):
            idx = order[s * bs:(s + 1) * bs]
            xb, yb = x[idx], y[idx]
            if p["shift"]:
                dx, dy = (int(v) for v in torch.randint(-1, 2, (2,), generator=gen, device=device).tolist())
                xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            target = F.one_hot(yb, 10).float()
            target = target * (1 - p["label_smoothing"]) + p["label_smoothing"] / 10
            if beta is not None:
                lam = float(beta.sample())
                perm = torch.randperm(xb.shape[0], device=device, generator=gen)
                xb = lam * xb + (1 - lam) * xb[perm]
                target = lam * target + (1 - lam) * target[perm]
            logits = model(xb)
            loss = -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                with torch.no_grad():
                    for e, m in zip(ema.state_dict().values(), model.state_dict().values()):
                        if e.dtype.is_floating_point:
                            e.mul_(p["ema_decay"]).add_(m, alpha=1 - p["ema_decay"])
                        else:
                            e.copy_(m)
        judged = ema if ema is not None else model
        judged.eval()
        with torch.no_grad():
            logits = judged(data["x_val"])
            vl = F.cross_entropy(logits, data["y_val"]).item()
            va = (logits.argmax(dim=1) == data["y_val"]).float().mean().item()
        val_loss.append(round(vl, 4) if math.isfinite(vl) else 99.0)
        val_acc.append(round(va, 4))
    return val_loss, val_acc


def worker(rank, queue, partial, epochs, deadline):
    import numpy as np
    import torch

    torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    xs = np.load(os.path.join(DIGITS, "x.npy")).astype("float32") / 255.0
    ys = np.load(os.path.join(DIGITS, "y.npy")).astype("int64")
    order = np.random.RandomState(0).permutation(len(ys))
    tr, va = order[:TRAIN], order[TRAIN:TRAIN + VALIDATION]
    as_images = lambda a: torch.tensor(a).permute(0, 3, 1, 2).contiguous().to(device)  # noqa: E731
    data = {
        "device": device,
        "x_train": as_images(xs[tr]), "y_train": torch.tensor(ys[tr]).to(device),
        "x_val": as_images(xs[va]), "y_val": torch.tensor(ys[va]).to(device),
    }
    with open(partial, "a") as out:
        while time.time() < deadline:
            i = queue.get()
            if i is None:
                return
            p = draw(i)
            loss, acc = train(i, p, epochs, torch, data)
            rounded = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in p.items()}
            out.write(json.dumps({"index": i, "params": rounded, "val_loss": loss, "val_accuracy": acc}) + "\n")
            out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=300.0, help="stop starting configurations after this long")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "test", "bench", "curves", "digits-torch.json"))
    args = ap.parse_args()
    import torch

    partial = args.out + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    started = time.time()
    deadline = started + args.seconds
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    for i in range(args.count):
        queue.put(i)
    for _ in range(args.workers):
        queue.put(None)
    procs = [ctx.Process(target=worker, args=(r, queue, partial, args.epochs, deadline)) for r in range(args.workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    rows = []
    with open(partial) as f:
        for line in f:
            rows.append(json.loads(line))
    rows.sort(key=lambda r: r["index"])
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    doc = {
        "source": "scripts/record-digits-torch-curves.py: a 3-layer CNN with batch norm on data/digits, PyTorch "
                  + torch.__version__ + " on " + device,
        "dataset": "digits",
        "trainSamples": TRAIN,
        "validationSamples": VALIDATION,
        "epochs": args.epochs,
        "schedule": "linear warmup, cosine decay to 0 (per step)",
        "configs": [{"params": r["params"], "val_loss": r["val_loss"], "val_accuracy": r["val_accuracy"]} for r in rows],
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"record-digits-torch-curves: {len(rows)} of {args.count} configurations x {args.epochs} epochs "
          f"in {time.time() - started:.0f} s on {device} -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
