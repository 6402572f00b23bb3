#!/usr/bin/env bash
# Conversion benchmark: the full-size Megatron-BERT 345M QA model (1.25 GiB f32) as an EFF .tlt, converted by
# `decant convert` (native f16, native q8, safetensors f16) and by the Python pipeline a user has today
# (Tools/python_pipeline.py: tarfile + hashlib/cryptography decrypt + torch.load + rename + .half() + save_file),
# side by side in one run; then opening the native file and reading one tensor vs torch.load; and the floor:
# reading the input once and writing a file of the output's size.
#
# Wall time and peak RSS come from /usr/bin/time; each line is the best wall time of $ROUNDS runs (default 3)
# with the page cache warm, and the largest peak RSS seen; CPU is user + system seconds of that best run.
# Usage: Tools/bench_convert.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DIR=bench/convert
NEMO=bench/fullsize/qa_megatron_345m.nemo
TLT=$DIR/qa_megatron_345m.tlt
TENSOR=bert.encoder.layer.12.intermediate.dense.weight
mkdir -p "$DIR"
python3 Tools/make_fullsize_model.py --output "$NEMO" >&2
SCRATCH=${SCRATCH:-.build-bench-convert}
swift build -c release --scratch-path "$SCRATCH" --product decant >&2
swift build -c release --scratch-path "$SCRATCH" --product ConvertBench >&2
DECANT=$SCRATCH/release/decant
[ -f "$TLT" ] || "$DECANT" encrypt "$NEMO" --key tlt_encode -o "$TLT" > /dev/null

# "best-wall cpu-of-that-run peak-rss-KiB" over $ROUNDS runs of "$@". With OUTPUT set, that file is removed
# before each run, so no run pays for freeing the previous run's output (renaming over a 670 MB file, or
# truncating it, costs about 0.15 s here).
measure() {
    local best="" cpu="" peak=0 wall user sys rss
    for _ in $(seq "$ROUNDS"); do
        [ -n "${OUTPUT:-}" ] && rm -f "$OUTPUT"
        /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" "$@" > /dev/null
        read -r wall user sys rss < "$DIR/time.txt"
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then
            best=$wall
            cpu=$(awk "BEGIN { print $user + $sys }")
        fi
        [ "$rss" -gt "$peak" ] && peak=$rss
    done
    echo "$best $cpu $peak"
}
row() {  # label, "wall cpu rss", output file
    local size=""
    [ -n "${3:-}" ] && size=$(awk "BEGIN { printf \"%.0f MiB\", $(stat -c %s "$3") / 1048576 }")
    set -- "$1" $2 "$size"
    awk -v l="$1" -v w="$2" -v c="$3" -v r="$4" -v s="$5" -v in_bytes="$(stat -c %s "$TLT")" \
        'BEGIN { printf "| %s | %.2f s | %.2f s | %.0f MiB (%.1f %% of input) | %s |\n", l, w, c, r / 1024, 100 * r * 1024 / in_bytes, s }'
}

cat "$TLT" | cat > /dev/null  # warm the page cache
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB; $(date -u +%Y-%m-%d)"
echo "input: $TLT ($(stat -c %s "$TLT") bytes), rounds: $ROUNDS, load average at start: $(cut -d" " -f1-3 /proc/loadavg) (other engineers share the 2 cores)"
echo
echo "| command | wall | CPU (user + sys) | peak RSS | output |"
echo "|---|---|---|---|---|"
f16=$(OUTPUT=$DIR/decant_f16.decant measure "$DECANT" convert "$TLT" --key tlt_encode --dtype f16 -o "$DIR/decant_f16.decant")
row "decant convert → native f16" "$f16" "$DIR/decant_f16.decant"
if [ -d /dev/shm ]; then
    row "decant convert → native f16, decrypted weights spooled to tmpfs (TMPDIR=/dev/shm)" \
        "$(OUTPUT=$DIR/decant_f16_shm.decant measure env TMPDIR=/dev/shm "$DECANT" convert "$TLT" --key tlt_encode --dtype f16 -o "$DIR/decant_f16_shm.decant")" \
        "$DIR/decant_f16_shm.decant"
    rm -f "$DIR/decant_f16_shm.decant"
fi
q8=$(OUTPUT=$DIR/decant_q8.decant measure "$DECANT" convert "$TLT" --key tlt_encode --dtype q8 -o "$DIR/decant_q8.decant")
row "decant convert → native q8" "$q8" "$DIR/decant_q8.decant"
st=$(OUTPUT=$DIR/decant_f16.safetensors measure "$DECANT" convert "$TLT" --key tlt_encode --dtype f16 --format safetensors -o "$DIR/decant_f16.safetensors")
row "decant convert → safetensors f16 (same output as Python)" "$st" "$DIR/decant_f16.safetensors"
row "decant convert, plain .nemo → native f16 (no decryption)" \
    "$(OUTPUT=$DIR/decant_nemo_f16.decant measure "$DECANT" convert "$NEMO" --dtype f16 -o "$DIR/decant_nemo_f16.decant")" "$DIR/decant_nemo_f16.decant"
row "decant decrypt --list --key (EFF inflate + AES + SHA-256 only, no output)" \
    "$(measure "$DECANT" decrypt "$TLT" --key tlt_encode --list)"
py=$(OUTPUT=$DIR/python_f16.safetensors measure python3 Tools/python_pipeline.py "$TLT" tlt_encode "$DIR/python_f16.safetensors")
row "Python pipeline → safetensors f16" "$py" "$DIR/python_f16.safetensors"
row "floor: read the input (cat \| cat)" "$(measure sh -c "cat '$TLT' | cat > /dev/null")"
bytes=$(stat -c %s "$DIR/decant_f16.decant")
row "floor: write $((bytes >> 20)) MiB + fsync (dd)" \
    "$(OUTPUT=$DIR/floor.bin measure dd if=/dev/zero of="$DIR/floor.bin" bs=1M count=$((bytes >> 20)) conv=fsync status=none)"
rm -f "$DIR/floor.bin" "$DIR/time.txt" "$DIR/decant_nemo_f16.decant"
awk -v d="${f16%% *}" -v p="${py%% *}" 'BEGIN { printf "\nspeed-up of native f16 over the Python pipeline: %.1f×\n", p / d }'

echo
echo "open + read one tensor ($TENSOR, 4096 × 1024), warm page cache:"
"$SCRATCH/release/ConvertBench" "$DIR/decant_f16.decant" "$TENSOR" 20
"$SCRATCH/release/ConvertBench" "$DIR/decant_q8.decant" "$TENSOR" 20
python3 - "$NEMO" "$DIR/python_f16.safetensors" "$TENSOR" <<'PY'
import sys, tarfile, time, io, torch
from safetensors import safe_open
nemo, st, name = sys.argv[1:4]
with tarfile.open(nemo) as archive:
    ckpt = archive.extractfile("./model_weights.ckpt").read()
source = "bert_model.language_model.transformer.layers.12.mlp.dense_h_to_4h.weight"
best = min((lambda t: (torch.load(io.BytesIO(ckpt), weights_only=True)[source].float().sum(), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
print(f"torch.load(model_weights.ckpt from memory) + that tensor: best of 3 {best * 1000:.0f} ms")
def once():
    t = time.perf_counter()
    with safe_open(st, "pt") as f:
        f.get_tensor(name).float().sum()
    return time.perf_counter() - t
best = min(once() for _ in range(20))
print(f"safetensors safe_open + get_tensor (Python pipeline output): best of 20 {best * 1000:.2f} ms")
PY
