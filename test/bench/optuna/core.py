"""Optuna's side of test/bench/core.bench.ts: per-trial ask+tell and per-report cost with
the random sampler, on SQLite and in memory. Prints one JSON object."""
import json
import os
import sys
import tempfile
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def suggest(trial):
    trial.suggest_float("lr", 1e-5, 1e-2, log=True)
    trial.suggest_float("weight_decay", 1e-5, 1e-2, log=True)
    trial.suggest_float("drop_path", 0.0, 0.3, step=0.05)
    trial.suggest_int("warmup", 0, 5)
    trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    opt = trial.suggest_categorical("optimizer", ["adamw", "sgd"])
    if opt == "sgd":
        trial.suggest_float("momentum", 0.8, 0.99)
    return 0.5


def measure(storage, trials, reports):
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0), pruner=optuna.pruners.NopPruner())
    for _ in range(5):  # warm-up
        t = study.ask()
        study.tell(t, suggest(t))
    start = time.perf_counter()
    for _ in range(trials):
        t = study.ask()
        study.tell(t, suggest(t))
    per_trial = (time.perf_counter() - start) / trials
    t = study.ask()
    suggest(t)
    start = time.perf_counter()
    for step in range(reports):
        t.report(0.5 / (step + 1), step)
        t.should_prune()
    per_report = (time.perf_counter() - start) / reports
    study.tell(t, 0.1)
    return {"trial_ms": per_trial * 1e3, "report_ms": per_report * 1e3}


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    reports = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = measure(f"sqlite:///{os.path.join(tmp, 'bench.db')}", trials, reports)
    memory = measure(None, trials * 5, reports * 5)
    print(json.dumps({"version": optuna.__version__, "sqlite": sqlite, "memory": memory}))


main()
