"""Optuna's peer of test/bench/warm-start.bench.ts: Optuna has no warm start, so the old
study's trials are added to the new study with study.add_trials and its best configuration
is enqueued first (what sodate's warmStart does by default); TPE reads them as the study's
own trials. Reads {"pairs": [...], "seeds": n} on stdin, prints one JSON line per study with
its best-so-far values over the new study's trials (the added ones left out)."""

import json
import math
import sys
import warnings

import optuna

from samplers import branin, hartmann6, image_baseline, make_sampler

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)

TRIALS = 100


class Rewriting:
    """A trial whose fixed parameters are not suggested and whose mapped ones are transformed."""

    def __init__(self, trial, fixed, mapped):
        self.trial, self.fixed, self.mapped = trial, fixed, mapped

    def suggest_float(self, name, low, high, log=False, step=None):
        if name in self.fixed:
            return self.fixed[name]
        v = self.trial.suggest_float(name, low, high, log=log, step=step)
        return self.mapped[name](v) if name in self.mapped else v

    def suggest_int(self, name, low, high, log=False, step=1):
        return self.trial.suggest_int(name, low, high, log=log, step=step)

    def suggest_categorical(self, name, choices):
        return self.trial.suggest_categorical(name, choices)


def branin_old(t):
    return branin(t.suggest_float("x0", -5, 10) - 0.6, t.suggest_float("x1", 0, 15) - 0.9)


def branin_new(t):
    return branin(t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15)) + 2 * (t.suggest_float("x2", 0, 1) - 0.7) ** 2


def hartmann_old(t):
    return hartmann6([t.suggest_float(f"x{i}", 0, 1) - 0.05 for i in range(6)])


def hartmann_new(t):
    return hartmann6([t.suggest_float(f"x{i}", 0, 1) for i in range(6)]) + 2 * (t.suggest_float("x6", 0, 1) - 0.7) ** 2


def image_old(t):
    return image_baseline(Rewriting(t, {"label_smoothing": 0.0}, {"lr": lambda v: v * 2}))


PAIRS = {
    "branin+1": (branin_old, branin_new, 0.39788735772973816),
    "hartmann6+1": (hartmann_old, hartmann_new, -3.3223680114155147),
    "image-mixed": (image_old, image_baseline, 0.23),
}


def curve(trials, optimum):
    best, out = math.inf, []
    for t in trials:
        if t.state == optuna.trial.TrialState.COMPLETE:
            best = min(best, t.value)
        out.append(best - optimum)
    return out


def main():
    req = json.loads(sys.stdin.read())
    for name in req["pairs"]:
        old_f, new_f, optimum = PAIRS[name]
        for seed in range(req["seeds"]):
            old = optuna.create_study(sampler=make_sampler("tpe", 1000 + seed))
            old.optimize(old_f, n_trials=TRIALS)
            cold = optuna.create_study(sampler=make_sampler("tpe", seed))
            cold.optimize(new_f, n_trials=TRIALS)
            print(json.dumps({"pair": name, "seed": seed, "study": "cold", "curve": curve(cold.trials, optimum)}), flush=True)
            warm = optuna.create_study(sampler=make_sampler("tpe", seed))
            done = [t for t in old.trials if t.state == optuna.trial.TrialState.COMPLETE]
            warm.add_trials(done)
            warm.enqueue_trial(old.best_params)
            warm.optimize(new_f, n_trials=TRIALS)
            print(json.dumps({"pair": name, "seed": seed, "study": "warm", "curve": curve(warm.trials[len(done):], optimum)}), flush=True)


if __name__ == "__main__":
    main()
