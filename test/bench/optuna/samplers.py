"""Optuna 3.1 on sodate's benchmark suite: the same problems as test/bench/problems.ts.

Usage (one JSON request on stdin, JSON lines on stdout):
  quality:  {"mode": "quality", "jobs": [{"problem": "branin", "sampler": "tpe", "seed": 0}, ...]}
            -> {"problem", "sampler", "seed", "best"} per job
  evaluate: {"mode": "evaluate", "points": [{"problem": "branin", "params": {...}}, ...]}
            -> {"problem", "value"} per point (checks the formulas agree with TypeScript)
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


def floats(trial, n, low, high):
    return [trial.suggest_float(f"x{i}", low, high) for i in range(n)]


PROBLEMS = {
    "branin": (100, lambda t: branin(t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15))),
    "hartmann6": (150, lambda t: hartmann6(floats(t, 6, 0, 1))),
    "styblinski8": (200, lambda t: styblinski_tang(floats(t, 8, -5, 5))),
    "ackley10": (200, lambda t: ackley(floats(t, 10, -32.768, 32.768))),
    "rosenbrock6": (200, lambda t: rosenbrock(floats(t, 6, -5, 10))),
    "image-mixed": (150, image_baseline),
}


def make_sampler(kind, seed):
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
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
        budget, objective = PROBLEMS[job["problem"]]
        study = optuna.create_study(sampler=make_sampler(job["sampler"], job["seed"]))
        study.optimize(objective, n_trials=budget)
        print(json.dumps({**job, "best": study.best_value}), flush=True)


def evaluate(request):
    for point in request["points"]:
        _, objective = PROBLEMS[point["problem"]]
        print(json.dumps({"problem": point["problem"], "value": objective(FixedTrial(point["params"]))}), flush=True)


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
    {"quality": quality, "evaluate": evaluate, "overhead": overhead}[req["mode"]](req)
