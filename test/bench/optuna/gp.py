"""Optuna 5's GPSampler ask time on a study that already holds N trials (test/bench/gp.bench.ts).

One JSON request on stdin:
  {"points": [[x0..x5], ...], "sizes": [300, 1000], "asks": 5, "warmup": 0}
The study is prefilled with the first N points (Hartmann-6 values), then `asks` ask+tell
pairs are timed at each size; prints {"size", "ms"} per size. With "warmup" > 0, that many
untimed ask+tell pairs first run on a separate study of the first 100 points.
  {"mode": "batched", "problems": ["branin", "hartmann6"], "seeds": [0, 1], "trials": 60, "workers": [1, 4]}
runs studies whose trials are asked `workers` at a time before any is told; prints
{"problem", "seed", "workers", "best"} per study. Run with PYTHONPATH set to
Optuna 5's sources (Debian's torch 1.13 needs the shim in samplers.py).
"""
import json
import sys
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from samplers import PROBLEMS, _shim_old_torch, hartmann6  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def batched(request):
    for name in request["problems"]:
        _, objective = PROBLEMS[name]
        for workers in request["workers"]:
            for seed in request["seeds"]:
                study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
                done = 0
                while done < request["trials"]:
                    batch = [study.ask() for _ in range(workers)]
                    values = [objective(trial) for trial in batch]
                    for trial, value in zip(batch, values):
                        study.tell(trial, value)
                    done += workers
                print(json.dumps({"problem": name, "seed": seed, "workers": workers, "best": study.best_value}), flush=True)


def main():
    request = json.loads(sys.stdin.read())
    _shim_old_torch()
    if request.get("mode") == "batched":
        batched(request)
        return
    dists = {f"x{i}": FloatDistribution(0, 1) for i in range(6)}
    points = request["points"]
    if request.get("warmup", 0) > 0:
        warm = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=1))
        warm.add_trials([create_trial(params={f"x{i}": p[i] for i in range(6)}, distributions=dists, value=hartmann6(p)) for p in points[:100]])
        for _ in range(request["warmup"]):
            trial = warm.ask()
            warm.tell(trial, hartmann6([trial.suggest_float(f"x{i}", 0, 1) for i in range(6)]))
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
    done = 0
    for size in request["sizes"]:
        batch = []
        while done < size:
            params = {f"x{i}": points[done][i] for i in range(6)}
            batch.append(create_trial(params=params, distributions=dists, value=hartmann6(points[done])))
            done += 1
        study.add_trials(batch)
        start = time.perf_counter()
        for _ in range(request["asks"]):
            trial = study.ask()
            x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(6)]
            study.tell(trial, hartmann6(x))
        done += request["asks"]
        print(json.dumps({"size": size, "ms": (time.perf_counter() - start) * 1000 / request["asks"]}), flush=True)


if __name__ == "__main__":
    main()
