"""One Optuna 3.1 benchmark worker process: the same no-op objective as sodate_worker.ts.

usage: python3 optuna_worker.py STORAGE_URL STUDY N_TRIALS

Loads the study, prints "ready", waits for a line on stdin, runs N_TRIALS trials with the
random sampler and prints how many it ran.
"""
import json
import os
import sys

import optuna


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=os.getpid()))
    print("ready", flush=True)
    sys.stdin.readline()
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=n)
    print(json.dumps({"ran": n}), flush=True)


main()
