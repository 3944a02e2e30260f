#!/usr/bin/env bash
# Checks sodate's GPU path on a machine with an NVIDIA GPU and PyTorch, end to end through the
# real CLI on a real SQLite file:
#   1. command trials (examples/pytorch/train.py) with `devices: auto`, 4 per device: every trial
#      sees only its GPU in CUDA_VISIBLE_DEVICES, trains on cuda, is pruned or finishes, and 4 ran
#      at once on the GPU;
#   2. a JS module objective in a process slot on the GPU sees the same pinning;
#   3. `--devices 0,<missing>` asks for a GPU the machine does not have: one clear line, no trial run.
# Prints PASS/FAIL per check and exits non-zero if one failed. Run from the repository root after
# `npm ci` (or from an unpacked copy of the package): `bash scripts/gpu-check.sh [out-dir]`.
set -uo pipefail
out=${1:-/tmp/sodate-gpu-check}
mkdir -p "$out"
sodate=(node bin/sodate.js)
work=$(mktemp -d)
failed=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }

nvidia-smi -L || { echo "gpu-check: nvidia-smi found no GPU; nothing to check"; exit 2; }
gpus=$(nvidia-smi -L | grep -c '^GPU')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.device_count())'

# 1. Command trials, 4 per GPU; nvidia-smi is sampled meanwhile to count trials running at once.
(while sleep 0.5; do nvidia-smi --query-compute-apps=pid --format=csv,noheader 2>/dev/null | wc -l; done) > "$work/apps.txt" &
sampler=$!
start=$(date +%s)
"${sodate[@]}" tune search-spaces/pytorch-command.yaml --storage "$work/gpu.db" --trials 16 --per-device 4 --no-tui \
  > "$out/tune-command.log" 2>&1
rc=$?
kill "$sampler" 2>/dev/null
echo "tune (command trials): exit $rc in $(( $(date +%s) - start )) s; most GPU processes at once: $(sort -n "$work/apps.txt" | tail -n 1)"
[ "$rc" = 0 ] && pass "tune with command trials exits 0" || fail "tune with command trials exited $rc (see tune-command.log)"
"${sodate[@]}" trials pytorch-command --storage "$work/gpu.db" > "$out/trials-command.txt" 2>&1
cat "$out/trials-command.txt"
: > "$out/logs-command.txt"
for t in $(seq 0 15); do "${sodate[@]}" logs pytorch-command "$t" --storage "$work/gpu.db" >> "$out/logs-command.txt" 2>&1; done
pinned=$(grep -c "CUDA_VISIBLE_DEVICES='[0-9]*')" "$out/logs-command.txt")
on_cuda=$(grep -c "on cuda$" "$out/logs-command.txt")
unpinned=$(grep "^train.py: trial" "$out/logs-command.txt" | grep -vc "CUDA_VISIBLE_DEVICES='[0-9]')")
echo "trials pinned to one GPU: $pinned of 16; epochs logged on cuda: $on_cuda; trials not pinned to a single GPU: $unpinned"
[ "$pinned" = 16 ] && [ "$unpinned" = 0 ] && pass "every command trial sees exactly one GPU" || fail "command trials' CUDA_VISIBLE_DEVICES (logs-command.txt)"
[ "$on_cuda" -gt 0 ] && pass "command trials train on cuda" || fail "no epoch ran on cuda"
grep -q PRUNED "$out/trials-command.txt" && pass "the median pruner stopped some GPU trials" || echo "NOTE no trial was pruned"
peak=$(sort -n "$work/apps.txt" | tail -n 1)
[ "${peak:-0}" -ge 2 ] && pass "several trials shared the GPU at once ($peak)" || echo "NOTE nvidia-smi listed ${peak:-0} compute processes at once (it may not see other PID namespaces)"

# 2. A JS module objective in a process slot: the pinning is set before the module loads.
cat > "$work/env-objective.mjs" <<'EOF'
export async function objective(trial) {
  const x = trial.suggestFloat('x', -1, 1);
  trial.setUserAttr('cuda_visible_devices', process.env.CUDA_VISIBLE_DEVICES ?? null);
  trial.setUserAttr('sodate_device', process.env.SODATE_DEVICE ?? null);
  return x * x;
}
EOF
cat > "$work/env.yaml" <<EOF
study: gpu-env
direction: minimize
objective: { module: $work/env-objective.mjs }
sampler: { kind: random, seed: 1 }
budget: { trials: 4 }
workers: { devices: auto, perDevice: 2 }
params:
  x: { float: [-1, 1] }
EOF
"${sodate[@]}" tune "$work/env.yaml" --storage "$work/env.db" --no-tui > "$out/tune-module.log" 2>&1
rc=$?
"${sodate[@]}" trials gpu-env --storage "$work/env.db" --format json > "$out/module-trials.json" 2>&1
node -e '
  const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const seen = rows.map((r) => JSON.stringify({ number: r.number, slot: r.slot, ...r.user_attrs }));
  console.log(seen.join("\n"));
' "$out/module-trials.json" | tee "$out/module-attrs.txt"
[ "$rc" = 0 ] && [ "$(grep -c '"cuda_visible_devices":"[0-9]"' "$out/module-attrs.txt")" = 4 ] \
  && pass "module objectives in process slots see exactly one GPU" || fail "module objective pinning (exit $rc; module-attrs.txt)"

# 3. A GPU index the machine does not have.
"${sodate[@]}" tune search-spaces/pytorch-command.yaml --storage "$work/missing.db" --trials 2 --devices "0,$gpus" --no-tui \
  > "$out/tune-missing-gpu.log" 2>&1
rc=$?
cat "$out/tune-missing-gpu.log"
lines=$(wc -l < "$out/tune-missing-gpu.log")
[ "$rc" != 0 ] && [ "$lines" -le 2 ] && ! grep -q "    at " "$out/tune-missing-gpu.log" \
  && pass "a missing GPU index is one clear line (exit $rc)" || fail "missing GPU index: exit $rc, $lines lines (tune-missing-gpu.log)"

exit $failed
