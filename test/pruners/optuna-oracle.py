"""Replays sequential studies with Optuna 3.1's pruners and prints every decision, so
test/pruners/optuna-parity.test.ts can compare sodate's pruners with Optuna's.

stdin: JSON list of cases {name, direction, pruner: {kind, ...snake_case options},
trials: [[[step, value], ...], ...]} (each trial's reports in order; null = NaN).
stdout: JSON list, per case, of per-trial lists of the steps at which it was checked,
as [step, pruned] pairs, stopping at the first pruned one.
"""
import json
import math
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def make_pruner(spec):
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "median":
        return optuna.pruners.MedianPruner(**spec)
    if kind == "percentile":
        return optuna.pruners.PercentilePruner(**spec)
    if kind == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(**spec)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(**spec)
    if kind == "threshold":
        return optuna.pruners.ThresholdPruner(**spec)
    if kind == "patient":
        wrapped = spec.pop("wrapped", None)
        return optuna.pruners.PatientPruner(make_pruner(wrapped) if wrapped else None, **spec)
    raise ValueError(kind)


def replay(case):
    study = optuna.create_study(study_name=case["name"], direction=case["direction"], pruner=make_pruner(case["pruner"]))
    log = []
    for reports in case["trials"]:
        trial = study.ask()
        decisions = []
        last = None
        pruned = False
        for step, value in reports:
            value = math.nan if value is None else value
            trial.report(value, step)
            last = value
            p = bool(trial.should_prune())
            decisions.append([step, p])
            if p:
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif last is None or math.isnan(last):
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, last)
        log.append(decisions)
    return log


json.dump([replay(c) for c in json.load(sys.stdin)], sys.stdout)
