"""Optuna's WilcoxonPruner on the 5-fold problems of test/bench/fold-problems.ts (the same
formulas and the same hashed noise). Needs Optuna 3.6 or later (run with PYTHONPATH set to
Optuna 5's sources, SODATE_OPTUNA5_PATH in the benchmark). Prints one JSON array: a record
per (problem, mode, seed) with the folds each trial ran, its state, its observed value
(the mean over its folds) and its noise-free quality.

    python3 folds.py --trials 60 --seeds 0,1,2 --problems branin,accuracy \
        --modes '[{"name": "none"}, {"name": "wilcoxon p=0.1", "p": 0.1, "n": 2}]'
"""
import argparse
import json
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import optuna  # noqa: E402
from pruners import gaussian  # noqa: E402  the benchmarks' hashed noise
from samplers import branin, hartmann6  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

FOLDS = 5
FOLD_EFFECT = [0, 0.6, -0.4, 1.0, -0.2]

PROBLEMS = {
    "branin": dict(direction="minimize", fold_scale=2, sigma=2,
                   quality=lambda t: branin(t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15))),
    "hartmann6": dict(direction="minimize", fold_scale=0.2, sigma=0.2,
                      quality=lambda t: hartmann6([t.suggest_float(f"x{i}", 0, 1) for i in range(6)])),
    "accuracy": dict(direction="maximize", fold_scale=0.02, sigma=0.01,
                     quality=lambda t: 0.95 - 0.15 * sum((t.suggest_float(f"x{i}", 0, 1) - 0.3) ** 2 for i in range(4))),
}


def run(problem_name, mode, seed, n_trials):
    problem = PROBLEMS[problem_name]
    pruner = optuna.pruners.NopPruner() if mode.get("p") is None else optuna.pruners.WilcoxonPruner(p_threshold=mode["p"], n_startup_steps=mode.get("n", 2))
    study = optuna.create_study(direction=problem["direction"], sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner)
    qualities = {}

    def objective(trial):
        q = problem["quality"](trial)
        qualities[trial.number] = q
        values = []
        for fold in range(FOLDS):
            v = q + problem["fold_scale"] * FOLD_EFFECT[fold] + problem["sigma"] * gaussian(seed, trial.number, fold)
            values.append(v)
            trial.report(v, fold)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return sum(values) / len(values)

    study.optimize(objective, n_trials=n_trials)
    trials = study.get_trials(deepcopy=False)
    return {
        "problem": problem_name,
        "mode": mode["name"],
        "seed": seed,
        "folds": [len(t.intermediate_values) for t in trials],
        "complete": [t.state == optuna.trial.TrialState.COMPLETE for t in trials],
        "values": [t.value if t.state == optuna.trial.TrialState.COMPLETE else None for t in trials],
        "qualities": [qualities.get(t.number) for t in trials],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--problems", required=True)
    parser.add_argument("--modes", required=True)
    args = parser.parse_args()
    if not hasattr(optuna.pruners, "WilcoxonPruner"):
        print(f"Optuna {optuna.__version__} has no WilcoxonPruner (3.6+)", file=sys.stderr)
        sys.exit(3)
    modes = json.loads(args.modes)
    out = []
    for name in args.problems.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            for mode in modes:
                out.append(run(name, mode, seed, args.trials))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
