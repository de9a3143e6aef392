#!/usr/bin/env bash
# The checks that need a GPU, in one call of about 9 minutes; every result is written under $OUT as it comes.
#
#   OUT=gpu_out DATA=../shared/data/yelp bash benchmarks/gpu_check.sh
#
# 1. the CUDA-only tests (bf16 and fp16 training, a DAAE step without host-device syncs), run beside 2.;
# 2. the shipped checkpoints trained on from their own weights (checkpoints/make.sh with INIT=checkpoints),
#    all six presets at once on the one GPU, stopped as by Ctrl-C after TRAIN_SECONDS (330), exported in
#    fp16 with their vectors and packed one gzipped tar per preset, $OUT/yelp-<preset>.tar.gz, to unpack
#    into checkpoints/ (`tar xzf yelp-daae.tar.gz -C checkpoints`; gzip, because the six plain tars come to
#    66 MB, over the 64 MiB a lent machine sends back); set TRAIN_SECONDS=0 to skip;
# 3. training throughput of every preset, fp32 beside bf16, at the paper's size (AAE and DAAE at the shipped size);
# 4. `textae prepare` of Yelp train (codes, PCA map, landscape, regions) on one GPU, timed per precision
#    (fp32, bf16), and the codes under `torchrun --nproc_per_node 1` against a single process's;
# 5. with QUALITY_EPOCHS > 0 (default 0: 10 epochs take longer than a lent GPU's 15 minutes), the
#    paper's quality check: AAE and DAAE, paper size, batch 256, with seconds per epoch and validation
#    reconstruction per epoch (anchor: DAAE ~14.1 after 10).
# $OUT/report.txt gathers the figures as they come; $OUT/logs.tar.gz holds every log at the end.
# DEVICE (cuda), SIZE and TRAIN_FLAGS (passed to make.sh) and STEPS (throughput) can be set for a dry
# run elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=$(mkdir -p "${OUT:-gpu_out}" && cd "${OUT:-gpu_out}" && pwd)
DATA=$(cd "${DATA:-../shared/data/yelp}" && pwd)
DEVICE=${DEVICE:-cuda}
TRAIN_SECONDS=${TRAIN_SECONDS:-330}
QUALITY_EPOCHS=${QUALITY_EPOCHS:-0}
STEPS=${STEPS:-50}
WORK=$(mktemp -d)  # runs and logs; only the report, the tars and the logs come back
export PYTHONUNBUFFERED=1
report() { tee -a "$OUT/report.txt"; }

{ nvidia-smi -L 2>/dev/null; nproc; python3 -c "import torch; print('torch', torch.__version__)"; } | report

(timeout 300 python3 -m pytest -q -p no:cacheprovider tests/test_train.py -k "cuda or gpu" >"$WORK/tests.txt" 2>&1;
 echo "CUDA tests: $(tail -n 1 "$WORK/tests.txt")" | report) &
tests=$!

if ((TRAIN_SECONDS > 0)); then
    RUNS="$WORK/runs" OUT="$WORK/ckpt" INIT=checkpoints JOBS=6 DEADLINE="$TRAIN_SECONDS" EVAL=0 \
        TRAIN_FLAGS="--device $DEVICE --amp off ${TRAIN_FLAGS:-}" DATA="$DATA" bash checkpoints/make.sh 2>&1 | report
    for d in "$WORK"/ckpt/yelp-*; do
        [[ -d $d ]] && tar czf "$OUT/$(basename "$d").tar.gz" -C "$WORK/ckpt" "$(basename "$d")"
    done
    python3 - "$WORK"/runs/yelp-*/train_log.jsonl <<'PY' | report
import json, sys
for path in (p for p in sys.argv[1:] if ".init/" not in p):  # the runs, not the copies they started from
    rows = [json.loads(line) for line in open(path) if '"valid"' in line]
    print(path.split("/")[-2], "epoch, s/epoch (train + valid), valid rec:",
          "; ".join(f"{r['epoch']} {r.get('epoch_time', 0):.0f}s {r['rec']:.2f}" for r in rows[-12:]))
PY
fi
wait "$tests"

AMP=$([[ $DEVICE == cuda ]] && echo bf16 || echo auto)  # auto is fp32 on CUDA: time bf16 beside it
timeout 120 python3 benchmarks/train_throughput.py --device "$DEVICE" --size paper --train "$DATA/train.txt" \
    --steps "$STEPS" --warmup 5 --amp "$AMP" 2>&1 | report
timeout 60 python3 benchmarks/train_throughput.py --device "$DEVICE" --size shipped --batch-size 128 \
    --presets aae,daae --train "$DATA/train.txt" --steps "$STEPS" --warmup 5 --amp "$AMP" 2>&1 | report

for prec in fp32 bf16; do  # a corpus prepared on the GPU, to serve from a small machine (docs/serving.md)
    start=$SECONDS
    TEXTAE_CACHE="$WORK/cache-$prec" TEXTAE_ALLOWED_ROOTS="$DATA" timeout 300 python3 -m textae prepare \
        --checkpoint checkpoints/yelp-daae --data "$DATA/train.txt" --labels "$DATA/train.labels" \
        --device "$DEVICE" --precision "$prec" >"$WORK/prepare-$prec.log" 2>&1
    echo "prepare Yelp train at $prec on $DEVICE: exit $?, $((SECONDS - start)) s: $(head -n 1 "$WORK/prepare-$prec.log")" | report
done
TEXTAE_CACHE="$WORK/cache-torchrun" TEXTAE_ALLOWED_ROOTS="$DATA" timeout 200 python3 -m torch.distributed.run \
    --standalone --nproc_per_node 1 -m textae prepare --checkpoint checkpoints/yelp-daae --data "$DATA/train.txt" \
    --device "$DEVICE" --precision fp32 --landscape 0 --no-regions >"$WORK/prepare-torchrun.log" 2>&1
python3 - "$WORK" <<'PY' | report
import glob, sys
import numpy as np
one, run = (glob.glob(f"{sys.argv[1]}/{d}/codes-*.npz") for d in ("cache-fp32", "cache-torchrun"))
if one and run:
    a, b = np.load(one[0])["codes"], np.load(run[0])["codes"]
    print(f"prepare under torchrun: codes {a.shape}, identical to one process: {np.array_equal(a, b)}, "
          f"largest difference {np.abs(a - b).max():.2e}")
else:
    print("prepare under torchrun: no codes to compare; see prepare-*.log in logs.tar.gz")
PY

for p in aae daae; do
    ((QUALITY_EPOCHS > 0)) || break
    python3 train.py --preset "$p" --train "$DATA/train.txt" --valid "$DATA/valid.txt" --device "$DEVICE" \
        --save-dir "$WORK/quality-$p" --epochs "$QUALITY_EPOCHS" --no-progress >"$WORK/quality-$p.log" 2>&1
    python3 - "$WORK/quality-$p/train_log.jsonl" "$p" <<'PY' | report
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if '"valid"' in line]
print(f"{sys.argv[2]}: epoch, s/epoch (train + valid), valid rec")
for r in rows:
    print(f"  {r['epoch']:3d} {r['epoch_time']:8.2f} {r['rec']:8.3f}")
PY
done

tar czf "$OUT/logs.tar.gz" -C "$WORK" --exclude='*.safetensors' --exclude='*.pt' . && rm -rf "$WORK"
