"""Optuna's pruners on the problems of test/bench/pruners.bench.ts: the synthetic curves of
test/bench/pruner-curves.ts (the same model, operation for operation) and the recorded
image-trainer curves of test/bench/curves/ (the same nearest-configuration lookups as
test/bench/curves/recorded.ts). Runs with whichever Optuna is importable (3.1 from
/usr/bin/python3, or Optuna 5 with PYTHONPATH set by the bench). Prints JSON on stdout:
one record per (problem, pruner, seed) with the epochs each trial ran and its final value.

    python3 pruners.py --trials 100 --seeds 0,1,2 --problems crossing,digits-loss --curves test/bench/curves/digits-cosine.json
    python3 pruners.py --nearest '[{"optimizer": "sgd", "lr": 0.1, ...}]' --curves test/bench/curves/digits-cosine.json
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



def coordinates(p):
    lr = p["lr"] / 10 if p["optimizer"] == "sgd" else p["lr"]
    return [
        (math.log10(lr) + 4) / 3,
        (math.log10(p["weight_decay"]) + 5) / 4,
        math.log2(p["batch_size"] / 16) / 3,
        p["warmup_epochs"] / 5,
        p["drop_path_rate"] / 0.3,
        1 if p["ema"] is True else 0,
        p["label_smoothing"] / 0.2,
        p["mixup_alpha"] / 0.4,
        1 if p["width"] == 16 else 0,
    ]


WEIGHTS = [4, 1, 1, 1, 1, 1, 1, 1, 1]


def nearest_config(configs, coords, knobs, place=coordinates, weights=WEIGHTS):
    x = place(knobs)
    best, best_distance = -1, math.inf
    for i, c in enumerate(configs):
        if c["params"]["optimizer"] != knobs["optimizer"]:
            continue
        y = coords[i]
        d = 0.0
        for k in range(len(x)):
            d += weights[k] * (x[k] - y[k]) ** 2
        if d < best_distance:
            best_distance, best = d, i
    return best


def suggest_knobs(trial):
    optimizer = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    return {
        "optimizer": optimizer,
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True) * (10 if optimizer == "sgd" else 1),
        "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 128]),
        "warmup_epochs": trial.suggest_int("warmup_epochs", 0, 5),
        "drop_path_rate": trial.suggest_float("drop_path_rate", 0, 0.3),
        "ema": trial.suggest_categorical("ema", [True, False]),
        "label_smoothing": trial.suggest_float("label_smoothing", 0, 0.2),
        "mixup_alpha": trial.suggest_float("mixup_alpha", 0, 0.4),
        "width": trial.suggest_categorical("width", [8, 16]),
    }


def pytorch_coordinates(p):
    lr = p["lr"] / 10 if p["optimizer"] == "sgd" else p["lr"]
    return [
        (math.log10(lr) + 4) / 3,
        math.log2(p["batch_size"] / 16) / 3,
        (p["momentum"] - 0.8) / 0.19 if p["optimizer"] == "sgd" else 0,
        (math.log10(p["weight_decay"]) + 5) / 4,
    ]


PYTORCH_WEIGHTS = [4, 1, 1, 1]


def suggest_pytorch_knobs(trial):
    optimizer = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    knobs = {
        "optimizer": optimizer,
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True) * (10 if optimizer == "sgd" else 1),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 128]),
    }
    if optimizer == "sgd":
        knobs["momentum"] = trial.suggest_float("momentum", 0.8, 0.99)
    knobs["weight_decay"] = trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True)
    return knobs


def mlp_coordinates(p):
    lr = p["lr"] / 10 if p["optimizer"] == "sgd" else p["lr"]
    return [
        (math.log10(lr) + 4) / 3,
        (math.log10(p["weight_decay"]) + 5) / 4,
        math.log2(p["batch_size"] / 16) / 3,
        p["warmup_epochs"] / 5,
        p["dropout"] / 0.5,
        1 if p["ema"] is True else 0,
        p["label_smoothing"] / 0.2,
        p["mixup_alpha"] / 0.4,
        1 if p["shift"] is True else 0,
        math.log2(p["width"] / 64),
        (p["depth"] - 1) / 2,
        (p["momentum"] - 0.8) / 0.19 if p["optimizer"] == "sgd" else 0,
    ]


MLP_WEIGHTS = [4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def suggest_mlp_knobs(trial):
    optimizer = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    knobs = {
        "optimizer": optimizer,
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True) * (10 if optimizer == "sgd" else 1),
    }
    if optimizer == "sgd":
        knobs["momentum"] = trial.suggest_float("momentum", 0.8, 0.99)
    knobs.update({
        "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 128]),
        "warmup_epochs": trial.suggest_int("warmup_epochs", 0, 5),
        "dropout": trial.suggest_float("dropout", 0, 0.5, step=0.1),
        "ema": trial.suggest_categorical("ema", [True, False]),
        "label_smoothing": trial.suggest_float("label_smoothing", 0, 0.2, step=0.05),
        "mixup_alpha": trial.suggest_float("mixup_alpha", 0, 0.4, step=0.1),
        "shift": trial.suggest_categorical("shift", [True, False]),
        "width": trial.suggest_categorical("width", [64, 128]),
        "depth": trial.suggest_int("depth", 1, 3),
    })
    return knobs


def make_problem(name, recorded, pytorch=None, mlp=None):
    """(direction, epochs, curve(trial, seed) -> list of values per epoch)."""
    if name in ("crossing", "parallel"):
        def curve(trial, seed):
            p = suggest(trial)
            return [observed_loss(p, e, name, seed, trial.number) for e in range(1, EPOCHS + 1)]
        return "minimize", EPOCHS, curve
    if name == "pytorch-loss":
        configs = pytorch["configs"]
        coords = [pytorch_coordinates(c["params"]) for c in configs]

        def curve(trial, _seed):
            return configs[nearest_config(configs, coords, suggest_pytorch_knobs(trial), pytorch_coordinates, PYTORCH_WEIGHTS)]["val_loss"]
        return "minimize", pytorch["epochs"], curve
    if name in ("mlp-loss", "mlp-accuracy"):
        configs = mlp["configs"]
        coords = [mlp_coordinates(c["params"]) for c in configs]
        mlp_metric = "val_loss" if name == "mlp-loss" else "val_accuracy"

        def curve(trial, _seed):
            return configs[nearest_config(configs, coords, suggest_mlp_knobs(trial), mlp_coordinates, MLP_WEIGHTS)][mlp_metric]
        return ("minimize" if mlp_metric == "val_loss" else "maximize"), mlp["epochs"], curve
    metric = {"digits-loss": "val_loss", "digits-accuracy": "val_accuracy"}[name]
    configs = recorded["configs"]
    coords = [coordinates(c["params"]) for c in configs]

    def curve(trial, _seed):
        return configs[nearest_config(configs, coords, suggest_knobs(trial))][metric]
    return ("minimize" if metric == "val_loss" else "maximize"), recorded["epochs"], curve


def run_study(optuna, problem, seed, pruner, n_trials, recorded, pytorch, mlp):
    direction, epochs, curve = make_problem(problem, recorded, pytorch, mlp)

    def objective(trial):
        values = curve(trial, seed)
        value = math.nan
        for epoch in range(1, epochs + 1):
            value = values[epoch - 1]
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    study = optuna.create_study(
        study_name=f"pruners-{problem}-{seed}",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner,
        direction=direction,
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
    parser.add_argument("--problems", default="crossing,parallel")
    parser.add_argument("--curves", help="recorded curves (JSON) for the digits-* problems")
    parser.add_argument("--pytorch-curves", help="recorded curves (JSON) for the pytorch-loss problem")
    parser.add_argument("--mlp-curves", help="recorded curves (JSON) for the mlp-* problems")
    parser.add_argument("--points", help="JSON list of curve points to evaluate instead of running studies")
    parser.add_argument("--nearest", help="JSON list of knobs: print the nearest recorded configurations' indices")
    parser.add_argument("--space", default="digits", choices=["digits", "pytorch", "mlp"], help="the coordinates --nearest uses")
    args = parser.parse_args()

    if args.nearest is not None:
        with open(args.curves) as f:
            configs = json.load(f)["configs"]
        place, weights = {"pytorch": (pytorch_coordinates, PYTORCH_WEIGHTS), "mlp": (mlp_coordinates, MLP_WEIGHTS)}.get(args.space, (coordinates, WEIGHTS))
        coords = [place(c["params"]) for c in configs]
        json.dump([nearest_config(configs, coords, k, place, weights) for k in json.loads(args.nearest)], sys.stdout)
        return

    if args.points is not None:
        points = json.loads(args.points)
        out = [observed_loss(q["params"], q["epoch"], q["variant"], q["seed"], q["number"]) for q in points]
        json.dump(out, sys.stdout)
        return

    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    recorded = pytorch = mlp = None
    if args.curves is not None:
        with open(args.curves) as f:
            recorded = json.load(f)
    if args.pytorch_curves is not None and "pytorch-loss" in args.problems.split(","):
        with open(args.pytorch_curves) as f:
            pytorch = json.load(f)
    if args.mlp_curves is not None and any(p.startswith("mlp-") for p in args.problems.split(",")):
        with open(args.mlp_curves) as f:
            mlp = json.load(f)
    pruners = {
        "none": lambda: optuna.pruners.NopPruner(),
        "median": lambda: optuna.pruners.MedianPruner(),
        "percentile-25": lambda: optuna.pruners.PercentilePruner(25.0),
        "asha": lambda: optuna.pruners.SuccessiveHalvingPruner(),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(),
        "patient-median": lambda: optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(), patience=3),
    }
    results = []
    for problem in args.problems.split(","):
        for name, make in pruners.items():
            for seed in [int(s) for s in args.seeds.split(",")]:
                run = run_study(optuna, problem, seed, make(), args.trials, recorded, pytorch, mlp)
                results.append({"problem": problem, "pruner": name, "seed": seed, **run})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
