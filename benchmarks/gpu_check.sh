#!/usr/bin/env bash
# The checks that need a GPU, in one go; every result is written under $OUT as it comes.
#
#   OUT=gpu_out DATA=../shared/data/yelp bash benchmarks/gpu_check.sh
#
# 1. the CUDA-only tests (bf16 and fp16 training, a DAAE step without host-device syncs);
# 2. training throughput of the paper-size model for every preset (benchmarks/train_throughput.py);
# 3. the paper's quality check: AAE and DAAE, paper size, batch 256, EPOCHS epochs on Yelp train,
#    with seconds per epoch and validation reconstruction per epoch (anchor: DAAE ~14.1 after 10).
# DEVICE (cuda), EPOCHS (10) and TRAIN_FLAGS (extra train.py flags) can be set for a dry run elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
DATA=${DATA:-../shared/data/yelp}
DEVICE=${DEVICE:-cuda}
EPOCHS=${EPOCHS:-10}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"

{ nvidia-smi -L 2>/dev/null; python3 -c "import torch; print('torch', torch.__version__)"; } | tee "$OUT/machine.txt"
python3 -m pytest -q -p no:cacheprovider tests/test_train.py 2>&1 | tee "$OUT/tests.txt" | tail -n 3
python3 benchmarks/train_throughput.py --device "$DEVICE" --size paper --train "$DATA/train.txt" \
    --steps "${STEPS:-200}" --warmup 10 2>&1 | tee "$OUT/throughput.txt"
for p in aae daae; do
    # shellcheck disable=SC2086
    python3 train.py --preset "$p" --train "$DATA/train.txt" --valid "$DATA/valid.txt" --device "$DEVICE" \
        --save-dir "$OUT/run-$p" --epochs "$EPOCHS" --no-progress ${TRAIN_FLAGS:-} > "$OUT/train-$p.log" 2>&1
    python3 - "$OUT/run-$p/train_log.jsonl" "$p" <<'PY' | tee -a "$OUT/quality.txt"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if '"valid"' in line]
print(f"{sys.argv[2]}: epoch, s/epoch (train + valid), valid rec")
for r in rows:
    print(f"  {r['epoch']:3d} {r['epoch_time']:8.2f} {r['rec']:8.3f}")
PY
done
