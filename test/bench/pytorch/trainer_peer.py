"""PyTorch peer of test/bench/trainer.bench.ts: the same small ResNet, batch, optimizer and data
path, timed the same way. Prints one JSON line: {"images_per_second": ..., "threads": ...}.

    /usr/bin/python3 test/bench/pytorch/trainer_peer.py --size 32 --channels 3 --width 16 --batch 64 --steps 8
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=32)
parser.add_argument("--channels", type=int, default=3)
parser.add_argument("--classes", type=int, default=10)
parser.add_argument("--width", type=int, default=16)
parser.add_argument("--depth", type=int, default=1)
parser.add_argument("--stages", type=int, default=3)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--steps", type=int, default=8)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        nn.init.zeros_(self.bn2.weight)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.proj is None else self.proj(x)))


class ResNet(nn.Module):
    """sodate's ResNet (packages/image-classifier/src/model.ts) with its default head."""

    def __init__(self):
        super().__init__()
        w = args.width
        self.stem = nn.Sequential(nn.Conv2d(args.channels, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        blocks, cin = [], w
        for s in range(args.stages):
            cout = w * 2**s
            for d in range(args.depth):
                blocks.append(Block(cin, cout, 2 if s > 0 and d == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, args.classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


model = ResNet()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
n = args.batch * args.steps
images = torch.randint(0, 256, (n, args.channels, args.size, args.size), dtype=torch.uint8)
labels = torch.randint(0, args.classes, (n,))


def epoch():
    perm = torch.randperm(n)
    for b in range(args.steps):
        idx = perm[b * args.batch:(b + 1) * args.batch]
        x = (images[idx].float() / 255 - 0.5) / 0.25
        loss = F.cross_entropy(model(x), labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


model.train()
epoch()  # warmup
start = time.perf_counter()
epoch()
seconds = time.perf_counter() - start
print(json.dumps({"images_per_second": n / seconds, "threads": torch.get_num_threads(), "torch": torch.__version__}))
