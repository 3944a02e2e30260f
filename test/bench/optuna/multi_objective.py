"""Optuna on sodate's multi-objective suite: the same problems and reference points as
test/bench/multi-objective-problems.ts (ZDT1, ZDT2, DTLZ2, C2-DTLZ2). Runs whichever
Optuna is importable: Debian's 3.1, or Optuna 5 with PYTHONPATH set to its sources
(SODATE_OPTUNA5_PATH in the benchmark).

Usage (one JSON request on stdin, JSON lines on stdout):
  quality:     {"mode": "quality", "checkpoints": [100, 300],
                "jobs": [{"problem": "zdt1", "sampler": "nsga2", "seed": 0}, ...]}
               -> {"problem", "sampler", "seed", "hv": {"100": ..., "300": ...}, "seconds"} per job:
                  the hypervolume of the feasible non-dominated trials among the first n
  evaluate:    {"mode": "evaluate", "points": [{"problem": "zdt1", "x": [...]}, ...]}
               -> {"problem", "values", "constraints"} per point
  hypervolume: {"mode": "hypervolume", "sets": [{"points": [[...], ...], "reference": [...]}, ...]}
               -> {"hv"} per set (checks this file's hypervolume against src/multi-objective)
  overhead:    {"mode": "overhead", "sampler": "nsga2" | "tpe", "variables": 10, "trials": 1000, "from": 900}
               -> {"sampler", "ms"}: mean ask+tell milliseconds over trials from..trials of a
                  ZDT1 study with that many variables, in memory
Samplers: random, tpe (MOTPE; constraints_func on a constrained problem), nsga2, nsga3
(Optuna 5 only); every one at its defaults apart from the seed and constraints_func.
"""
import json
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def dtlz2(x, m):
    g = sum((v - 0.5) ** 2 for v in x[m - 1 :])
    out = []
    for k in range(m):
        f = 1 + g
        for j in range(m - 1 - k):
            f *= math.cos(x[j] * math.pi / 2)
        if k > 0:
            f *= math.sin(x[m - 1 - k] * math.pi / 2)
        out.append(f)
    return out


def c2dtlz2_constraint(f, r):
    m = len(f)
    corner = math.inf
    for i in range(m):
        s = (f[i] - 1) ** 2 - r * r
        for j in range(m):
            if j != i:
                s += f[j] ** 2
        corner = min(corner, s)
    centre = -r * r
    for i in range(m):
        centre += (f[i] - 1 / math.sqrt(m)) ** 2
    return min(corner, centre)


def c2dtlz2(x):
    values = dtlz2(x, 3)
    return values, [c2dtlz2_constraint(values, 0.4)]


# name: (objectives, variables, reference point, evaluate(x) -> (values, constraints));
# the reference points are those of multi-objective-problems.ts, which says why ZDT's is [1.1, 11].
PROBLEMS = {
    "zdt1": (2, 30, [1.1, 11], lambda x: (zdt1(x), [])),
    "zdt2": (2, 30, [1.1, 11], lambda x: (zdt2(x), [])),
    "dtlz2": (3, 12, [1.1, 1.1, 1.1], lambda x: (dtlz2(x, 3), [])),
    "c2-dtlz2": (3, 12, [1.1, 1.1, 1.1], c2dtlz2),
}


# --- Exact hypervolume, the same algorithm as src/multi-objective/hypervolume.ts ---


def dominates(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def non_dominated(points):
    kept = []
    for i, p in enumerate(points):
        if not any(dominates(q, p) or (j < i and q == p) for j, q in enumerate(points) if j != i):
            kept.append(p)
    return kept


def volume2d(points, reference):
    total = 0.0
    ceiling = reference[1]
    for p in sorted(points):
        if p[1] >= ceiling:
            continue
        total += (reference[0] - p[0]) * (ceiling - p[1])
        ceiling = p[1]
    return total


def volume(points, reference):
    m = len(reference)
    if not points:
        return 0.0
    if m == 1:
        return reference[0] - min(p[0] for p in points)
    if m == 2:
        return volume2d(points, reference)
    last = m - 1
    ordered = sorted(points, key=lambda p: p[last])
    total = 0.0
    for i, p in enumerate(ordered):
        floor = p[last]
        ceiling = ordered[i + 1][last] if i + 1 < len(ordered) else reference[last]
        if ceiling <= floor:
            continue
        total += volume(non_dominated([q[:last] for q in ordered[: i + 1]]), reference[:last]) * (ceiling - floor)
    return total


def hypervolume(points, reference):
    inside = [list(p) for p in points if all(v < r for v, r in zip(p, reference))]
    if not inside:
        return 0.0
    return volume(non_dominated(inside), reference)


# --- Studies ---


def constraints_of(trial):
    return trial.user_attrs["constraints"]


def make_sampler(kind, seed, constrained):
    extra = {"constraints_func": constraints_of} if constrained else {}
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed, **extra)
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, **extra)
    if kind == "nsga3":
        return optuna.samplers.NSGAIIISampler(seed=seed, **extra)
    raise ValueError(f"unknown sampler {kind}")


def ask_tell(study, evaluate, n_variables):
    trial = study.ask()
    x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(n_variables)]
    values, constraints = evaluate(x)
    trial.set_user_attr("constraints", constraints)
    study.tell(trial, values)
    return values, constraints


def quality(request):
    checkpoints = request["checkpoints"]
    for job in request["jobs"]:
        m, n, reference, evaluate = PROBLEMS[job["problem"]]
        started = time.perf_counter()
        sampler = make_sampler(job["sampler"], job["seed"], job["problem"] == "c2-dtlz2")
        study = optuna.create_study(directions=["minimize"] * m, sampler=sampler)
        feasible = []
        hv = {}
        for number in range(1, max(checkpoints) + 1):
            values, constraints = ask_tell(study, evaluate, n)
            if all(c <= 0 for c in constraints):
                feasible.append(values)
                # Only the non-dominated set matters; keeping it small keeps the hypervolume cheap.
                if len(feasible) > 64:
                    feasible = non_dominated(feasible)
            if number in checkpoints:
                hv[str(number)] = hypervolume(feasible, reference)
        print(json.dumps({**job, "hv": hv, "seconds": time.perf_counter() - started}), flush=True)


def evaluate_points(request):
    for point in request["points"]:
        values, constraints = PROBLEMS[point["problem"]][3](point["x"])
        print(json.dumps({"problem": point["problem"], "values": values, "constraints": constraints}), flush=True)


def hypervolumes(request):
    for s in request["sets"]:
        print(json.dumps({"hv": hypervolume(s["points"], s["reference"])}), flush=True)


def overhead(request):
    n = request["variables"]
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=make_sampler(request["sampler"], 0, False))
    timed_from = request["from"]
    start = None
    for number in range(request["trials"]):
        if number == timed_from:
            start = time.perf_counter()
        ask_tell(study, lambda x: (zdt1(x), []), n)
    ms = (time.perf_counter() - start) * 1000 / (request["trials"] - timed_from)
    print(json.dumps({"sampler": request["sampler"], "ms": ms}), flush=True)


def main():
    request = json.load(sys.stdin)
    mode = request["mode"]
    if mode == "quality":
        quality(request)
    elif mode == "evaluate":
        evaluate_points(request)
    elif mode == "hypervolume":
        hypervolumes(request)
    elif mode == "overhead":
        overhead(request)
    else:
        raise ValueError(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
