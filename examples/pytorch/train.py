#!/usr/bin/env python3
"""A PyTorch-style training script tuned by sodate as a command trial.

sodate runs it once per trial, without a shell:

    python3 train.py --lr 0.001 --batch-size 64 --optimizer adamw --weight-decay 0.0001 --epochs 8

and reads its stdout: one JSON object per line. `{"step": e, "value": v}` after each epoch
is an intermediate value the pruner sees (a pruned run gets SIGTERM, then SIGKILL); the
last line `{"value": v}` is the trial's result. Everything else it prints is kept as the
trial's log (`sodate logs <study> <trial>`).

With PyTorch installed it trains a tiny CNN on synthetic 16x16 images (on the GPU that
CUDA_VISIBLE_DEVICES leaves it, else the CPU). Without PyTorch, or with --fake, it
prints a simulated learning curve instead, so the demo runs anywhere.
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time


def emit(**fields):
    print(json.dumps(fields), flush=True)


def on_sigterm(_signum, _frame):
    print("train.py: stopped by sodate (pruned or interrupted)", file=sys.stderr, flush=True)
    sys.exit(143)


def fake_training(args):
    """A learning curve shaped by the hyperparameters, with noise: best near lr=3e-3."""
    rng = random.Random(args.seed)
    floor = 0.15 + 0.25 * (math.log10(args.lr) + 2.5) ** 2 + 0.02 * abs(math.log2(args.batch_size / 64))
    floor += 0.03 if args.optimizer == "sgd" and args.momentum < 0.85 else 0.0
    floor += 0.5 * args.weight_decay
    loss = 2.3
    for epoch in range(args.epochs):
        loss = floor + (loss - floor) * 0.55 + rng.gauss(0, 0.01)
        time.sleep(args.epoch_seconds)
        print(f"epoch {epoch}: simulated val_loss {loss:.4f}")
        emit(step=epoch, value=loss)
    return loss


def torch_training(args, torch):
    nn = torch.nn
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    # Synthetic 10-class images: each class is a noisy fixed pattern.
    patterns = torch.randn(10, 1, 16, 16)
    def batch(n):
        y = torch.randint(0, 10, (n,))
        x = patterns[y] + 0.8 * torch.randn(n, 1, 16, 16)
        return x.to(device), y.to(device)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(32, 10),
    ).to(device)
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    x_val, y_val = batch(512)
    val = float("nan")
    for epoch in range(args.epochs):
        model.train()
        for _ in range(20):
            x, y = batch(args.batch_size)
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = loss_fn(model(x_val), y_val).item()
        print(f"epoch {epoch}: val_loss {val:.4f} on {device}")
        emit(step=epoch, value=val)
    return val


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SODATE_TRIAL_NUMBER", "0")))
    parser.add_argument("--fake", action="store_true", default=os.environ.get("SODATE_FAKE_TRAINING") == "1",
                        help="simulate training even when PyTorch is installed (also SODATE_FAKE_TRAINING=1)")
    parser.add_argument("--epoch-seconds", type=float, default=0.05, help="simulated seconds per epoch (fake mode)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    print(f"train.py: trial {os.environ.get('SODATE_TRIAL_NUMBER', '?')} on {os.environ.get('SODATE_DEVICE', 'cpu')} "
          f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '')!r}) with {vars(args)}")
    torch = None
    if not args.fake:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("train.py: PyTorch is not installed; simulating training", file=sys.stderr)
    value = torch_training(args, torch) if torch is not None else fake_training(args)
    emit(value=value)


if __name__ == "__main__":
    main()
