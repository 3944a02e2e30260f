"""Optuna on sodate's benchmark suite: the same problems as test/bench/problems.ts and
test/bench/discrete-problems.ts. Runs whichever Optuna is importable: Debian's 3.1, or
Optuna 5 with PYTHONPATH set to its sources (SODATE_OPTUNA5_PATH in the benchmark).

Usage (one JSON request on stdin, JSON lines on stdout):
  quality:  {"mode": "quality", "jobs": [{"problem": "branin", "sampler": "tpe", "seed": 0}, ...]}
            -> {"problem", "sampler", "seed", "best"} per job
  evaluate: {"mode": "evaluate", "points": [{"problem": "branin", "params": {...}, "noise": 0.3}, ...]}
            -> {"problem", "value"} per point (checks the formulas agree with TypeScript)
  noise:    {"mode": "noise", "pairs": [[seed, trial_number], ...]} -> one JSON array of the
            benchmark's per-trial noise (checks it agrees with TypeScript)
  overhead: {"mode": "overhead", "storage": "memory" | "sqlite:///path.db", "sampler": "tpe",
             "sizes": [100, 1000, 3000], "timed": 20, "warmup": 25}
            -> {"size", "ms"} per size: mean ask+tell milliseconds after `size` finished trials
               and `warmup` untimed ask+tells (default 5)
"""
import json
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            inner += HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def styblinski_tang(x):
    return 0.5 * sum(v**4 - 16 * v**2 + 5 * v for v in x)


def ackley(x):
    n = len(x)
    sq = sum(v * v for v in x) / n
    cs = sum(math.cos(2 * math.pi * v) for v in x) / n
    return -20 * math.exp(-0.2 * math.sqrt(sq)) - math.exp(cs) + 20 + math.e


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def image_baseline(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    wd = trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    eps = trial.suggest_float("eps", 1e-9, 1e-6, log=True)
    drop_path = trial.suggest_float("drop_path_rate", 0, 0.3, step=0.05)
    batch = trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    warmup = trial.suggest_int("warmup_epochs", 0, 5)
    smoothing = trial.suggest_float("label_smoothing", 0, 0.2)
    optimizer = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    loss = 0.25
    sgd = optimizer == "sgd"
    if sgd:
        momentum = trial.suggest_float("momentum", 0.8, 0.99)
        loss += 0.02 + 4 * (momentum - 0.9) ** 2
    lr_opt = (5e-2 if sgd else 1e-3) * math.sqrt(batch / 64)
    wd_opt = 5e-4 if sgd else 5e-2
    a = math.log10(lr) - math.log10(lr_opt)
    b = math.log10(wd) - math.log10(wd_opt)
    loss += 0.15 * a * a + 0.04 * b * b + 0.03 * a * b
    loss += 0.0025 * (math.log10(eps) + 8) ** 2
    loss += 0.8 * (drop_path - 0.1) ** 2
    loss += {16: 0.03, 32: 0.01, 64: 0, 128: 0.02}[batch]
    loss += 0.005 * (warmup - 2) ** 2
    loss += 1.5 * (smoothing - 0.1) ** 2
    ema = trial.suggest_categorical("ema", [True, False])
    if ema:
        decay = trial.suggest_float("ema_decay", 0.99, 0.9999)
        loss += -0.02 + 0.03 * (math.log10(1 - decay) + 3) ** 2
    return loss


def image_branches(trial):
    lr = trial.suggest_float("lr", 1e-5, 1, log=True)
    wd = trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    batch = trial.suggest_categorical("batch_size", [32, 64, 128, 256])
    dropout = trial.suggest_float("dropout", 0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adamw", "rmsprop"])
    scheduler = trial.suggest_categorical("scheduler", ["cosine", "step", "onecycle"])
    loss = {32: 0.01, 64: 0, 128: 0.005, 256: 0.02}[batch]
    loss += 0.5 * (dropout - 0.2) ** 2
    if optimizer == "sgd":
        momentum = trial.suggest_float("momentum", 0, 0.99)
        nesterov = trial.suggest_categorical("nesterov", [True, False])
        loss += 0.2 + (momentum - 0.9) ** 2 + (-0.01 if nesterov else 0)
        lr_opt = 0.1 * math.sqrt(batch / 128)
        wd_opt = 5e-4
    elif optimizer == "adamw":
        beta1 = trial.suggest_float("beta1", 0.5, 0.99)
        one_minus_beta2 = trial.suggest_float("one_minus_beta2", 1e-4, 1e-1, log=True)
        loss += 0.18 + 2 * (beta1 - 0.9) ** 2 + 0.02 * (math.log10(one_minus_beta2) + 3) ** 2
        lr_opt = 1e-3 * math.sqrt(batch / 128)
        wd_opt = 5e-2
    else:
        alpha = trial.suggest_float("alpha", 0.8, 0.999)
        momentum = trial.suggest_float("rms_momentum", 0, 0.9)
        loss += 0.22 + 5 * (alpha - 0.99) ** 2 + 0.2 * (momentum - 0.5) ** 2
        lr_opt = 3e-4
        wd_opt = 1e-5
    loss += 0.08 * (math.log10(lr) - math.log10(lr_opt)) ** 2 + 0.02 * (math.log10(wd) - math.log10(wd_opt)) ** 2
    if scheduler == "cosine":
        warmup = trial.suggest_int("warmup_epochs", 0, 10)
        loss += 0.002 * (warmup - 3) ** 2
    elif scheduler == "step":
        step_size = trial.suggest_int("step_size", 5, 50)
        gamma = trial.suggest_float("gamma", 0.05, 0.9)
        loss += 0.01 + 0.00005 * (step_size - 30) ** 2 + 0.3 * (gamma - 0.1) ** 2
    else:
        pct_start = trial.suggest_float("pct_start", 0.1, 0.5)
        div_factor = trial.suggest_float("div_factor", 5, 100, log=True)
        loss += -0.005 + (pct_start - 0.3) ** 2 + 0.03 * (math.log10(div_factor) - math.log10(25)) ** 2
    return loss


def floats(trial, n, low, high):
    return [trial.suggest_float(f"x{i}", low, high) for i in range(n)]


PROBLEMS = {
    "branin": (100, lambda t: branin(t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15))),
    "hartmann6": (150, lambda t: hartmann6(floats(t, 6, 0, 1))),
    "styblinski8": (200, lambda t: styblinski_tang(floats(t, 8, -5, 5))),
    "ackley10": (200, lambda t: ackley(floats(t, 10, -32.768, 32.768))),
    "rosenbrock6": (200, lambda t: rosenbrock(floats(t, 6, -5, 10))),
    "image-mixed": (150, image_baseline),
    "image-branches": (200, image_branches),
}


# --- Categorical and ordinal problems: test/bench/discrete-problems.ts, operation for operation ---

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pruners import MASK as M32, mix32  # noqa: E402  the benchmarks' one integer hash


def hash_uniform(a, b, c):
    h = mix32((a ^ 0x9E3779B9) & M32)
    h = mix32((h + b) & M32)
    h = mix32((h + c) & M32)
    return (h + 0.5) / 4294967296


def trial_noise(seed, number):
    u1 = hash_uniform(7919 + seed, number, 0)
    u2 = hash_uniform(7919 + seed, number, 1)
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def categorical_table(table_seed, k, c, planted, depth):
    main = [[hash_uniform(table_seed, 100 + i, v) for v in range(c)] for i in range(k)]
    pairs = []
    for i in range(k):
        for j in (i + 1, i + 3):
            if j < k:
                pairs.append((i, j, [0.6 * hash_uniform(table_seed, 1000 + i * k + j, v) for v in range(c * c)]))
    cells = [[math.floor(hash_uniform(table_seed, 5000 + p, i) * c) for i in range(k)] for p in range(planted)]
    return {"k": k, "c": c, "main": main, "pairs": pairs, "planted": cells, "depth": depth}


def table_cost(t, x):
    cost = 0.0
    for i in range(t["k"]):
        cost += t["main"][i][x[i]]
    for i, j, pair in t["pairs"]:
        cost += pair[x[i] * t["c"] + x[j]]
    bonus = 0.0
    for cell in t["planted"]:
        matches = sum(1 for i in range(t["k"]) if cell[i] == x[i])
        bonus = min(bonus, -t["depth"] * (matches / t["k"]) ** 3)
    return cost + bonus


def table_problem(t, sigma):
    choices = [True, False] if t["c"] == 2 else [f"v{v}" for v in range(t["c"])]

    def objective(trial, noise=0.0):
        x = [choices.index(trial.suggest_categorical(f"c{i}", choices)) for i in range(t["k"])]
        return table_cost(t, x) + sigma * noise

    return objective


NAS_OPS = ["none", "skip", "conv1x1", "conv3x3", "avgpool"]
NAS_CAPACITY = [0, 0.05, 0.6, 1, 0.15]
NAS_EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def nas_cell_error(ops):
    reach = [True, False, False, False]
    for e, (a, b) in enumerate(NAS_EDGES):
        if ops[e] != 0 and reach[a]:
            reach[b] = True
    if not reach[3]:
        return 0.9
    to_output = [False, False, False, True]
    for e in range(len(NAS_EDGES) - 1, -1, -1):
        a, b = NAS_EDGES[e]
        if ops[e] != 0 and to_output[b]:
            to_output[a] = True
    capacity = 0.0
    depth = [0, 0, 0, 0]
    skip_to_output = False
    pool_on_output = 0
    preference = 0.0
    for e, (a, b) in enumerate(NAS_EDGES):
        op = ops[e]
        if op == 0 or not reach[a] or not to_output[b]:
            continue
        capacity += NAS_CAPACITY[op]
        conv = 1 if op in (2, 3) else 0
        depth[b] = max(depth[b], depth[a] + conv)
        if op == 1 and b == 3:
            skip_to_output = True
        if op == 4 and b == 3:
            pool_on_output += 1
        preference += 0.02 * hash_uniform(201, e, op)
    deep = depth[3]
    return (
        0.08
        + 0.35 * math.exp(-capacity / 1.2)
        + 0.04 * max(0, 3 - deep)
        - (0.02 if skip_to_output and deep >= 2 else 0)
        + 0.015 * pool_on_output
        + preference
    )


def nas_cell(trial, noise=0.0):
    return nas_cell_error([NAS_OPS.index(trial.suggest_categorical(f"edge{e}", NAS_OPS)) for e in range(6)]) + 0.01 * noise


ORDINAL_VALUES = [2**k for k in range(10)]
ORDINAL_TARGETS = [2.3, 6.0, 4.6, 7.5, 1.2]
ORDINAL_WEIGHTS = [0.08, 0.05, 0.03, 0.06, 0.02]


def ordinal_cost(l):
    cost = 0.0
    for i in range(5):
        cost += ORDINAL_WEIGHTS[i] * (l[i] - ORDINAL_TARGETS[i]) ** 2
    return cost + 0.03 * (l[0] + l[1] - 8.5) ** 2


def ordinal_problem(read):
    return lambda trial, noise=0.0: ordinal_cost([read(trial, i) for i in range(5)]) + 0.05 * noise


BACKBONES = ["resnet18", "resnet34", "efficientnet_b0", "convnext_tiny", "vit_small"]
POOLINGS = ["avg", "max", "gem"]
LOSSES = ["ce", "focal", "label_smoothing"]
FLAGS = ["hflip", "rot90", "coarse_dropout", "mixup"]


def image_categorical_error(backbone, pooling, loss, lr, flags):
    error = [0.2, 0.17, 0.15, 0.12, 0.16][backbone] + [0, 0.02, -0.01][pooling] + [0, 0.01, -0.012][loss]
    lr_opt = [1e-3, 8e-4, 2e-3, 4e-4, 1e-4][backbone] * (0.5 if loss == 1 else 1)
    error += 0.03 * (math.log10(lr) - math.log10(lr_opt)) ** 2
    hflip, rot90, dropout, mixup = flags
    error += (-0.015 if hflip else 0) + (0.01 if rot90 else 0) + (-0.008 if dropout else 0)
    if mixup:
        error += (-0.02 if backbone >= 3 else 0.012) + (0.015 if dropout else 0)
    return error


def image_categorical(trial, noise=0.0):
    backbone = BACKBONES.index(trial.suggest_categorical("backbone", BACKBONES))
    pooling = POOLINGS.index(trial.suggest_categorical("pooling", POOLINGS))
    loss = LOSSES.index(trial.suggest_categorical("loss", LOSSES))
    lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
    flags = [trial.suggest_categorical(name, [True, False]) for name in FLAGS]
    return image_categorical_error(backbone, pooling, loss, lr, flags) + 0.005 * noise


# name: (budget, objective); the noisy ones take the trial's noise as a second argument.
NOISY_PROBLEMS = {
    "cat6x5": (100, table_problem(categorical_table(1, 6, 5, 3, 1.5), 0.1)),
    "cat6x5-b": (100, table_problem(categorical_table(2, 6, 5, 2, 1.2), 0.2)),
    "cat8x3": (100, table_problem(categorical_table(3, 8, 3, 2, 1.5), 0.1)),
    "flags10": (100, table_problem(categorical_table(4, 10, 2, 1, 1.0), 0.1)),
    "nas-cell": (100, nas_cell),
    "ordinal-choice": (200, ordinal_problem(lambda t, i: math.log2(t.suggest_categorical(f"p{i}", ORDINAL_VALUES)))),
    "ordinal-index": (200, ordinal_problem(lambda t, i: t.suggest_int(f"k{i}", 0, 9))),
    "image-categorical": (100, image_categorical),
    "ordinal-logint": (200, ordinal_problem(lambda t, i: math.log2(t.suggest_int(f"n{i}", 1, 512, log=True)))),
}


def _shim_old_torch():
    """Debian's torch 1.13 cannot be used as `with torch.device(...)`, which Optuna 5's
    GPSampler does once per ask to keep tensors on the CPU (where they are anyway)."""
    import contextlib

    import torch

    if hasattr(torch.device, "__enter__"):
        return
    import optuna.samplers._gp.sampler as gp_sampler

    class TorchWithDeviceContext:
        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def device(_name):
            return contextlib.nullcontext()

    gp_sampler.torch = TorchWithDeviceContext()


def make_sampler(kind, seed):
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        # Optuna 3.1: univariate, no constant liar; Optuna 5: multivariate with constant liar.
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "gp":
        _shim_old_torch()
        return optuna.samplers.GPSampler(seed=seed)
    if kind == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if kind == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise ValueError(f"unknown sampler {kind}")


class FixedTrial:
    """Answers suggest_* from a dict, as the TypeScript side's fixed points do."""

    def __init__(self, params):
        self.params = params

    def suggest_float(self, name, low, high, log=False, step=None):
        return float(self.params[name])

    def suggest_int(self, name, low, high, log=False, step=1):
        return int(self.params[name])

    def suggest_categorical(self, name, choices):
        return self.params[name]


def quality(request):
    for job in request["jobs"]:
        study = optuna.create_study(sampler=make_sampler(job["sampler"], job["seed"]))
        if job["problem"] in NOISY_PROBLEMS:
            budget, noisy = NOISY_PROBLEMS[job["problem"]]
            seed = job["seed"]
            study.optimize(lambda t: noisy(t, trial_noise(seed, t.number)), n_trials=budget)
            # Regret on the noise-free value of the configuration the study picked.
            best = noisy(FixedTrial(study.best_trial.params))
        else:
            budget, objective = PROBLEMS[job["problem"]]
            study.optimize(objective, n_trials=budget)
            best = study.best_value
        print(json.dumps({**job, "best": best}), flush=True)


def evaluate(request):
    for point in request["points"]:
        trial = FixedTrial(point["params"])
        if point["problem"] in NOISY_PROBLEMS:
            value = NOISY_PROBLEMS[point["problem"]][1](trial, point.get("noise", 0.0))
        else:
            value = PROBLEMS[point["problem"]][1](trial)
        print(json.dumps({"problem": point["problem"], "value": value}), flush=True)


def overhead_space(trial):
    # 10 parameters: 4 log floats, 2 floats, 1 stepped float, 1 int, 2 categoricals.
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    trial.suggest_float("eps", 1e-9, 1e-6, log=True)
    trial.suggest_float("beta2", 0.9, 0.9999, log=True)
    trial.suggest_float("label_smoothing", 0, 0.2)
    trial.suggest_float("mixup", 0, 1)
    trial.suggest_float("drop_path_rate", 0, 0.3, step=0.05)
    trial.suggest_int("warmup_epochs", 0, 5)
    trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    trial.suggest_categorical("optimizer", ["adamw", "sgd", "lamb"])


def overhead_value(params):
    return sum(abs(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0 for v in params.values()) % 1.0


def overhead(request):
    import random

    from optuna.distributions import CategoricalDistribution
    from optuna.distributions import FloatDistribution
    from optuna.distributions import IntDistribution
    from optuna.trial import create_trial

    dists = {
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "weight_decay": FloatDistribution(1e-6, 1e-1, log=True),
        "eps": FloatDistribution(1e-9, 1e-6, log=True),
        "beta2": FloatDistribution(0.9, 0.9999, log=True),
        "label_smoothing": FloatDistribution(0, 0.2),
        "mixup": FloatDistribution(0, 1),
        "drop_path_rate": FloatDistribution(0, 0.3, step=0.05),
        "warmup_epochs": IntDistribution(0, 5),
        "batch_size": CategoricalDistribution([16, 32, 64, 128]),
        "optimizer": CategoricalDistribution(["adamw", "sgd", "lamb"]),
    }
    rng = random.Random(0)
    storage = None if request["storage"] == "memory" else request["storage"]
    study = optuna.create_study(storage=storage, sampler=make_sampler(request["sampler"], 0))
    done = 0
    timed = request.get("timed", 20)
    for size in request["sizes"]:
        batch = []
        while done < size:
            params = {}
            for name, d in dists.items():
                if isinstance(d, CategoricalDistribution):
                    params[name] = rng.choice(d.choices)
                elif isinstance(d, IntDistribution):
                    params[name] = rng.randint(d.low, d.high)
                elif d.step is not None:
                    params[name] = round(d.low + d.step * rng.randint(0, round((d.high - d.low) / d.step)), 10)
                elif d.log:
                    params[name] = math.exp(rng.uniform(math.log(d.low), math.log(d.high)))
                else:
                    params[name] = rng.uniform(d.low, d.high)
            batch.append(create_trial(params=params, distributions=dists, value=overhead_value(params)))
            done += 1
        study.add_trials(batch)
        warmup = request.get("warmup", 5)
        for _ in range(warmup):  # untimed, as on the TypeScript side
            trial = study.ask()
            overhead_space(trial)
            study.tell(trial, overhead_value(trial.params))
        done += warmup
        start = time.perf_counter()
        for _ in range(timed):
            trial = study.ask()
            overhead_space(trial)
            study.tell(trial, overhead_value(trial.params))
        ms = (time.perf_counter() - start) * 1000 / timed
        done += timed
        print(json.dumps({"size": size, "ms": ms}), flush=True)


if __name__ == "__main__":
    req = json.loads(sys.stdin.read())
    if req["mode"] == "noise":
        print(json.dumps([trial_noise(s, n) for s, n in req["pairs"]]))
        sys.exit(0)
    {"quality": quality, "evaluate": evaluate, "overhead": overhead}[req["mode"]](req)
