#!/usr/bin/env bash
# Train, export and measure the shipped checkpoints, checkpoints/<corpus>-<preset>/, in one go.
#
#   bash checkpoints/make.sh                              # every preset on Yelp, on the GPU when there is one
#   PRESETS="aae daae" JOBS=2 bash checkpoints/make.sh
#   CORPUS=yahoo PRESETS="aae daae" JOBS=2 bash checkpoints/make.sh   # the Yahoo pair
#   INIT=checkpoints bash checkpoints/make.sh             # go on from the shipped weights (no run directory)
#
# Environment (defaults in brackets):
#   CORPUS   yelp or yahoo: names the checkpoints and runs (CORPUS-<preset>) and the default DATA   [yelp]
#            (Yahoo has no labels, sentiment or tense sets: its checkpoints get no vectors, and eval skips
#            the transfers)
#   DATA     a directory laid out like ../shared/data/yelp          [../shared/data/$CORPUS]
#   RUNS     where the training runs and the evaluation report go, outside the repository
#                                                                   [~/.cache/textae/runs]
#   OUT      where the exported fp16 checkpoints go                 [checkpoints]
#   PRESETS  which presets                                          [ae vae aae laae daae arae]
#   EPOCHS   the most epochs per preset, counted from the start of its run (with INIT, on top of
#            the INIT checkpoint's own epochs)                       [40]
#   PATIENCE early stopping: epochs without a better valid rec      [2]
#   JOBS     presets trained at once (small models share a GPU well; on 2 CPU cores, 2 at one thread each)
#                                                                   [1]
#   INIT     a directory of $CORPUS-<preset>/ checkpoints to start from when a preset has no run yet [none]
#   DEADLINE seconds of training, after which each run is stopped as by Ctrl-C (resumable)  [none]
#   EVAL     0 skips the evaluation and the curves (export and vectors only)               [1]
#   SIZE     model flags for every preset, replacing the per-preset sizes below               [none]
#   TRAIN_FLAGS, EVAL_FLAGS  more flags for train.py and for `textae eval`
#   FLAGS_<preset>  more flags for that preset's train.py alone, after TRAIN_FLAGS so that they win
#                   (FLAGS_daae="--lr 3e-5 --patience 3": a lower rate for one preset of a joint run)
# A run that stopped is resumed from its last/ checkpoint when the script is started again; a run whose
# directory is gone starts again from INIT's weights (train.py --init), its curve counted on from theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-yelp}
DATA=${DATA:-../shared/data/$CORPUS}
RUNS=${RUNS:-${XDG_CACHE_HOME:-$HOME/.cache}/textae/runs}
OUT=${OUT:-checkpoints}
PRESETS=${PRESETS:-ae vae aae laae daae arae}
EPOCHS=${EPOCHS:-40}
PATIENCE=${PATIENCE:-2}
JOBS=${JOBS:-1}
INIT=${INIT:-}
DEADLINE=${DEADLINE:-}
EVAL=${EVAL:-1}
SIZE=${SIZE:-}
# The sizes of the shipped set, chosen so that all six fit in 64 MiB in fp16 (checkpoints/README.md):
# the AAE and the DAAE, the paper's pair, get the larger code and state (6.4M parameters, 13.1 MB),
# where the evaluation showed it pays most (rec BLEU 49 -> 84 and 30 -> 53); the other four keep 4.8M (9.9 MB).
RECIPE="--dim-emb 128 --dim-d 128 --dropout 0.2 --batch-size 128 --lr 1e-3"
size_of() {
    if [[ -n $SIZE ]]; then echo "$SIZE"; return; fi
    case $1 in
        aae | daae) echo "$RECIPE --dim-h 336 --dim-z 128" ;;
        *) echo "$RECIPE --dim-h 256 --dim-z 32" ;;
    esac
}
mkdir -p "$RUNS"
# presets trained at once share the cores instead of fighting over them
THREADS=$(($(nproc) / JOBS))
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$((THREADS > 0 ? THREADS : 1))}

train_one() {
    local p=$1 run="$RUNS/$CORPUS-$1" resume=() own="FLAGS_$1"
    if [[ -d "$run/last" ]]; then
        resume=(--resume)
    elif [[ -n "$INIT" && -d "$INIT/$CORPUS-$p" ]]; then
        # a copy: OUT may be INIT, and the export at the end replaces it
        rm -rf "$run.init" && cp -r "$INIT/$CORPUS-$p" "$run.init" && resume=(--init "$run.init")
    fi
    # at the deadline, timeout sends SIGINT: train.py then saves a resumable last/ and timeout exits 124
    local stop=() rc=0
    [[ -n "$DEADLINE" ]] && stop=(timeout -s INT -k 120 "$DEADLINE")
    # shellcheck disable=SC2046,SC2086  # the size and TRAIN_FLAGS are lists of flags
    "${stop[@]}" python3 train.py --preset "$p" --train "$DATA/train.txt" --valid "$DATA/valid.txt" --save-dir "$run" \
        $(size_of "$p") --epochs "$EPOCHS" --patience "$PATIENCE" --no-progress ${TRAIN_FLAGS:-} ${!own:-} "${resume[@]}" >>"$run.log" 2>&1 \
        || rc=$?
    if [[ $rc == 124 ]]; then
        echo "stopped $p at the deadline; start again to go on: $(tail -n 1 "$run.log")"
    elif [[ $rc != 0 ]]; then
        echo "training $p failed; see $run.log" >&2
        return 1
    else
        echo "trained $p: $(tail -n 1 "$run.log")"
    fi
}
export -f train_one
export CORPUS DATA RUNS EPOCHS PATIENCE INIT DEADLINE SIZE RECIPE TRAIN_FLAGS
export -f size_of

# a preset that fails does not stop the others: each one trained is exported, and the script fails at the end
failed=0
# shellcheck disable=SC2086
printf '%s\n' $PRESETS | xargs -P "$JOBS" -I{} bash -c 'train_one {}' || failed=1

export_one() {
    local p=$1 ck="$OUT/$CORPUS-$1"
    if [[ ! -d "$RUNS/$CORPUS-$p/best" ]]; then
        echo "$p has no best/ checkpoint yet (no epoch finished); not exported" >&2
        return 1
    fi
    python3 -m textae export --checkpoint "$RUNS/$CORPUS-$p" --out "$ck" --fp16 --force
    # the attribute vectors, from the sentence sets the corpus has (Yelp's; Yahoo has none)
    if [[ -f "$DATA/sentiment/100.neg" ]]; then
        python3 -m textae vector --checkpoint "$ck" --name sentiment --data "$DATA/sentiment/100.neg,$DATA/sentiment/100.pos"
    fi
    if [[ -f "$DATA/tense/valid.past" ]]; then
        python3 -m textae vector --checkpoint "$ck" --name tense --data "$DATA/tense/valid.past,$DATA/tense/valid.present"
    fi
}
export -f export_one
export OUT
# shellcheck disable=SC2086
printf '%s\n' $PRESETS | xargs -P "$JOBS" -I{} bash -c 'export_one {}' || failed=1

ckpts=()
for p in $PRESETS; do if [[ -d "$OUT/$CORPUS-$p" ]]; then ckpts+=("$OUT/$CORPUS-$p"); fi; done
if [[ $EVAL == 0 || ${#ckpts[@]} == 0 ]]; then exit $failed; fi
# shellcheck disable=SC2086
python3 -m textae eval --checkpoints "${ckpts[@]}" --data "$DATA" --out "$RUNS/eval/$CORPUS.md" \
    --lm "$RUNS/eval/lm$([[ $CORPUS == yelp ]] || echo "-$CORPUS")" ${EVAL_FLAGS:-}  # each corpus's own fluency judge
du -ch "${ckpts[@]}" | tail -n 1
python3 checkpoints/curves.py "${ckpts[@]}" --out "$OUT/curves$([[ $CORPUS == yelp ]] || echo "-$CORPUS").png"
exit $failed
