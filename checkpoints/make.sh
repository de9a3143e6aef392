#!/usr/bin/env bash
# Train, export and measure the shipped Yelp checkpoints, checkpoints/yelp-<preset>/, in one go.
#
#   bash checkpoints/make.sh                              # every preset, on the GPU when there is one
#   PRESETS="aae daae" JOBS=2 bash checkpoints/make.sh
#   INIT=checkpoints bash checkpoints/make.sh             # go on from the shipped weights (no run directory)
#
# Environment (defaults in brackets):
#   DATA     a directory laid out like ../shared/data/yelp          [../shared/data/yelp]
#   RUNS     where the training runs and the evaluation report go, outside the repository
#                                                                   [~/.cache/textae/runs]
#   OUT      where the exported fp16 checkpoints go                 [checkpoints]
#   PRESETS  which presets                                          [ae vae aae laae daae arae]
#   EPOCHS   the most epochs per preset, counted from the start     [40]
#   PATIENCE early stopping: epochs without a better valid rec      [2]
#   JOBS     presets trained at once (small models share a GPU well; on 2 CPU cores, 2 at one thread each)
#                                                                   [1]
#   INIT     a directory of yelp-<preset>/ checkpoints to start from when a preset has no run yet [none]
#   SIZE     model flags; the default (4.8M parameters, 9.4 MB in fp16) lets six fit in 64 MB
#   TRAIN_FLAGS, EVAL_FLAGS  more flags for train.py and for `textae eval`
# A run that stopped is resumed from its last/ checkpoint when the script is started again; a run whose
# directory is gone starts again from INIT's weights (train.py --init), its curve counted on from theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/yelp}
RUNS=${RUNS:-${XDG_CACHE_HOME:-$HOME/.cache}/textae/runs}
OUT=${OUT:-checkpoints}
PRESETS=${PRESETS:-ae vae aae laae daae arae}
EPOCHS=${EPOCHS:-40}
PATIENCE=${PATIENCE:-2}
JOBS=${JOBS:-1}
INIT=${INIT:-}
SIZE=${SIZE:---dim-emb 128 --dim-h 256 --dim-z 32 --dim-d 128 --dropout 0.2 --batch-size 128 --lr 1e-3}
mkdir -p "$RUNS"
# presets trained at once share the cores instead of fighting over them
THREADS=$(($(nproc) / JOBS))
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$((THREADS > 0 ? THREADS : 1))}

train_one() {
    local p=$1 run="$RUNS/yelp-$1" resume=()
    if [[ -d "$run/last" ]]; then
        resume=(--resume)
    elif [[ -n "$INIT" && -d "$INIT/yelp-$p" ]]; then
        # a copy: OUT may be INIT, and the export at the end replaces it
        rm -rf "$run.init" && cp -r "$INIT/yelp-$p" "$run.init" && resume=(--init "$run.init")
    fi
    # shellcheck disable=SC2086  # SIZE and TRAIN_FLAGS are lists of flags
    python train.py --preset "$p" --train "$DATA/train.txt" --valid "$DATA/valid.txt" --save-dir "$run" \
        $SIZE --epochs "$EPOCHS" --patience "$PATIENCE" --no-progress ${TRAIN_FLAGS:-} "${resume[@]}" >>"$run.log" 2>&1 \
        || { echo "training $p failed; see $run.log" >&2; return 1; }
    echo "trained $p: $(tail -n 1 "$run.log")"
}
export -f train_one
export DATA RUNS EPOCHS PATIENCE INIT SIZE TRAIN_FLAGS

# shellcheck disable=SC2086
printf '%s\n' $PRESETS | xargs -P "$JOBS" -I{} bash -c 'train_one {}'

for p in $PRESETS; do
    python -m textae export --checkpoint "$RUNS/yelp-$p" --out "$OUT/yelp-$p" --fp16 --force
    python -m textae vector --checkpoint "$OUT/yelp-$p" --name sentiment \
        --data "$DATA/sentiment/100.neg,$DATA/sentiment/100.pos"
    python -m textae vector --checkpoint "$OUT/yelp-$p" --name tense \
        --data "$DATA/tense/valid.past,$DATA/tense/valid.present"
done

ckpts=()
for p in $PRESETS; do ckpts+=("$OUT/yelp-$p"); done
# shellcheck disable=SC2086
python -m textae eval --checkpoints "${ckpts[@]}" --data "$DATA" --out "$RUNS/eval/yelp.md" ${EVAL_FLAGS:-}
du -ch "${ckpts[@]}" | tail -n 1
python checkpoints/curves.py "${ckpts[@]}" --out "$OUT/curves.png"
