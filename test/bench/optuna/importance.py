"""Optuna's parameter importances of studies sodate wrote (test/bench/importance.bench.ts).

One JSON request on stdin:
  {"studies": [{"name": "hartmann6-tpe-0", "path": "/tmp/x/hartmann6-tpe-0.db"}, ...],
   "evaluators": ["ped-anova", "fanova", "fanova-seed1", "default"]}
prints one JSON line per study and evaluator:
  {"study", "evaluator", "importances": {param: share}} or {"study", "evaluator", "skipped": why}.
"ped-anova" is PedAnovaImportanceEvaluator() (Optuna >= 3.6), "fanova" is
FanovaImportanceEvaluator(seed=0), "default" is get_param_importances' own default
(PED-ANOVA in Optuna 5; fANOVA in 3.1, whose default is unseeded, so it gets seed=0 here).
The version is whichever `import optuna` finds: PYTHONPATH=<Optuna 5 sources>, or Debian's 3.1.
"""
import json
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

MAJOR = int(optuna.__version__.split(".")[0])


def make_evaluator(kind):
    importance = optuna.importance
    if kind == "ped-anova":
        if not hasattr(importance, "PedAnovaImportanceEvaluator"):
            raise LookupError(f"Optuna {optuna.__version__} has no PedAnovaImportanceEvaluator")
        return importance.PedAnovaImportanceEvaluator()
    if kind in ("fanova", "fanova-seed1"):
        return importance.FanovaImportanceEvaluator(seed=1 if kind == "fanova-seed1" else 0)
    if kind == "default":
        # Optuna < 5's default is an unseeded fANOVA: seed it so the bench is deterministic.
        return None if MAJOR >= 5 else importance.FanovaImportanceEvaluator(seed=0)
    raise ValueError(f"unknown evaluator {kind}")


def load(path, name):
    url = f"sqlite:///{path}"
    try:
        return optuna.load_study(study_name=name, storage=url)
    except RuntimeError:
        # A newer Optuna refuses an older schema until upgraded; read it without upgrading.
        storage = optuna.storages.RDBStorage(url, skip_compatibility_check=True)
        return optuna.load_study(study_name=name, storage=storage)


def main():
    request = json.loads(sys.stdin.read())
    print(json.dumps({"version": optuna.__version__}), flush=True)
    for entry in request["studies"]:
        study = load(entry["path"], entry["name"])
        for kind in request["evaluators"]:
            out = {"study": entry["name"], "evaluator": kind}
            try:
                evaluator = make_evaluator(kind)
                result = optuna.importance.get_param_importances(study, evaluator=evaluator)
                out["importances"] = {k: float(v) for k, v in result.items()}
            except (ImportError, LookupError) as error:
                out["skipped"] = str(error).splitlines()[0]
            print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
