"""Optuna 3.1's pruners on the curves of test/bench/pruner-curves.ts (the same model,
operation for operation). Run by test/bench/pruners.bench.ts; prints JSON on stdout:
one record per (variant, pruner, seed) with the epochs each trial ran and its final value.

    python3 pruners.py --trials 100 --seeds 0,1,2,3,4
    python3 pruners.py --points '[{"params": {...}, "epoch": 3, "variant": "crossing", "seed": 0, "number": 1}]'
"""
import argparse
import json
import math
import sys

EPOCHS = 50
INITIAL_LOSS = 2.3
NOISE_SIGMA = 0.01
MASK = 0xFFFFFFFF


def mix32(x):
    x = (x ^ (x >> 16)) & MASK
    x = (x * 0x7FEB352D) & MASK
    x = (x ^ (x >> 15)) & MASK
    x = (x * 0x846CA68B) & MASK
    x = (x ^ (x >> 16)) & MASK
    return x


def uniform(seed, number, epoch, stream):
    h = mix32((seed ^ 0x9E3779B9) & MASK)
    h = mix32((h + number) & MASK)
    h = mix32((h + epoch * 2 + stream) & MASK)
    return (h + 0.5) / 4294967296


def gaussian(seed, number, epoch):
    u1 = uniform(seed, number, epoch, 0)
    u2 = uniform(seed, number, epoch, 1)
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def _log_lr(p):
    return math.log10(p["lr"] * 0.1 if p["optimizer"] == "sgd" else p["lr"])


def asymptote(p, variant):
    x = _log_lr(p)
    warmup_relief = 1 - 0.1 * p["warmup_epochs"] if variant == "crossing" else 1
    lr_penalty = 0.3 * max(0, x + 3.6) ** 1.5 * warmup_relief + 0.04 * max(0, -4.2 - x) ** 2
    wd_penalty = 0.02 * (math.log10(p["weight_decay"]) + 4) ** 2
    dp_penalty = 0.6 * max(0, p["drop_path_rate"] - 0.1) ** 2
    bs_penalty = 0.02 * abs(math.log2(p["batch_size"] / 32))
    return 0.25 + lr_penalty + wd_penalty + dp_penalty + bs_penalty - (0.01 if p["ema"] else 0)


def speed(p, variant):
    if variant == "parallel":
        return 0.6 / (1 + 4 * (asymptote(p, variant) - 0.25))
    x = _log_lr(p)
    k = 0.3 * 10 ** (0.9 * (x + 3)) * math.sqrt(64 / p["batch_size"])
    return min(5, max(0.001, k))


def mean_loss(p, epoch, variant):
    l_inf = asymptote(p, variant)
    k = speed(p, variant)
    if variant == "parallel":
        return l_inf + (INITIAL_LOSS - l_inf) * (1 + (k * epoch) / 2) ** -2
    t_eff = max(0, epoch - 0.5 * p["warmup_epochs"] - (1 if p["ema"] else 0))
    progress = k * t_eff
    base = l_inf + (INITIAL_LOSS - l_inf) * (1 + progress / 2) ** -2
    overfit_amplitude = 0.15 * math.exp(-p["drop_path_rate"] / 0.08) * (1 if p["weight_decay"] < 1e-4 else 0.5)
    excess = max(0, progress - 3)
    return base + (overfit_amplitude * excess) / (excess + 10)


def observed_loss(p, epoch, variant, seed, number):
    return mean_loss(p, epoch, variant) + NOISE_SIGMA * gaussian(seed, number, epoch)


def suggest(trial):
    return {
        "lr": trial.suggest_float("lr", 1e-5, 1e-1, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 128]),
        "optimizer": trial.suggest_categorical("optimizer", ["adamw", "sgd"]),
        "drop_path_rate": trial.suggest_float("drop_path_rate", 0, 0.3),
        "warmup_epochs": trial.suggest_int("warmup_epochs", 0, 5),
        "ema": trial.suggest_categorical("ema", [True, False]),
    }


def run_study(optuna, variant, seed, pruner, n_trials):
    def objective(trial):
        p = suggest(trial)
        value = math.nan
        for epoch in range(1, EPOCHS + 1):
            value = observed_loss(p, epoch, variant, seed, trial.number)
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    study = optuna.create_study(
        study_name=f"pruners-{variant}-{seed}",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner,
        direction="minimize",
    )
    study.optimize(objective, n_trials=n_trials)
    trials = study.get_trials(deepcopy=False)
    return {
        "epochs": [len(t.intermediate_values) for t in trials],
        "finals": [t.value if t.state == optuna.trial.TrialState.COMPLETE else None for t in trials],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--points", help="JSON list of curve points to evaluate instead of running studies")
    args = parser.parse_args()

    if args.points is not None:
        points = json.loads(args.points)
        out = [observed_loss(q["params"], q["epoch"], q["variant"], q["seed"], q["number"]) for q in points]
        json.dump(out, sys.stdout)
        return

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruners = {
        "none": lambda: optuna.pruners.NopPruner(),
        "median": lambda: optuna.pruners.MedianPruner(),
        "percentile-25": lambda: optuna.pruners.PercentilePruner(25.0),
        "asha": lambda: optuna.pruners.SuccessiveHalvingPruner(),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(),
    }
    results = []
    for variant in ("crossing", "parallel"):
        for name, make in pruners.items():
            for seed in [int(s) for s in args.seeds.split(",")]:
                run = run_study(optuna, variant, seed, make(), args.trials)
                results.append({"variant": variant, "pruner": name, "seed": seed, **run})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
