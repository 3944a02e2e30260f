#!/usr/bin/env python3
"""Records the PyTorch example's learning curves for the pruner benchmark
(test/bench/curves/pytorch-cnn.json): `count` random configurations of
examples/pytorch/train.py (a tiny CNN on synthetic 16x16 images, constant learning rate,
validation loss on 512 images after each epoch of 20 steps), each for `epochs` epochs,
on the CPU with one thread. Needs PyTorch (Debian: python3-torch). Ran once; the bench
only reads the file.

    python3 scripts/record-pytorch-curves.py [count=240] [epochs=20] [out=test/bench/curves/pytorch-cnn.json]
"""
import argparse
import contextlib
import io
import json
import math
import os
import random
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "examples", "pytorch"))
import train  # noqa: E402  (the example itself, not a copy)


def draw(rng):
    optimizer = rng.choice(["adamw", "sgd"])
    lr = 10 ** rng.uniform(-4, -1) * (10 if optimizer == "sgd" else 1)
    return {
        "optimizer": optimizer,
        "lr": lr,
        "batch_size": rng.choice([16, 32, 64, 128]),
        "momentum": rng.uniform(0.8, 0.99),
        "weight_decay": 10 ** rng.uniform(-5, -1),
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 240
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    out = sys.argv[3] if len(sys.argv) > 3 else "test/bench/curves/pytorch-cnn.json"
    import torch

    torch.set_num_threads(1)
    rng = random.Random(20261203)
    configs = []
    started = time.time()
    for i in range(count):
        p = draw(rng)
        args = argparse.Namespace(epochs=epochs, seed=1000 + i, **p)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            train.torch_training(args, torch)
        values = [json.loads(line)["value"] for line in buffer.getvalue().splitlines() if line.startswith("{")]
        loss = [round(v, 4) if math.isfinite(v) else 99 for v in values]
        configs.append({"params": {k: (round(v, 6) if isinstance(v, float) else v) for k, v in p.items()}, "val_loss": loss})
        if i % 20 == 19:
            print(f"{i + 1}/{count} configurations, {time.time() - started:.0f} s", file=sys.stderr)
    doc = {
        "source": "examples/pytorch/train.py (scripts/record-pytorch-curves.py), PyTorch " + torch.__version__,
        "epochs": epochs,
        "schedule": "constant learning rate",
        "configs": configs,
    }
    with open(out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
