#!/usr/bin/env bash
# Benchmarks `decant decrypt` on a synthetic ≥1 GB EFF .tlt against `openssl enc -d -aes-256-ctr` on a raw
# blob of the same size and `cat > /dev/null`, reporting wall time, throughput and peak RSS (best of RUNS).
#
#   Tools/bench_decrypt.sh [SIZE_MB]        (default 1024; DECANT=path/to/decant to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-1024}"
runs="${RUNS:-3}"
if [[ -z "${DECANT:-}" ]]; then
    swift build -c release --scratch-path .build-A-release --product decant >&2
    DECANT=".build-A-release/release/decant"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/decant-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A .nemo with a random "weights" member (random bytes behave like fp32 noise: incompressible), starting
# with the zip magic so the raw-blob path's plaintext check accepts it.
mkdir "$work/nemo"
{ printf 'PK\003\004'; head -c "$((size_mb * 1024 * 1024 - 4))" /dev/urandom; } > "$work/nemo/model_weights.ckpt"
printf 'target: bench.Model\n' > "$work/nemo/model_config.yaml"
tar -cf "$work/bench.nemo" -C "$work/nemo" ./model_config.yaml ./model_weights.ckpt
"$DECANT" encrypt "$work/bench.nemo" --key tlt_encode -o "$work/bench.tlt" > /dev/null
# The same payload as a raw blob, split into the nonce and the ciphertext for openssl.
"$DECANT" encrypt --raw "$work/nemo/model_weights.ckpt" --key tlt_encode -o "$work/raw.blob" > /dev/null
iv="$(head -c 16 "$work/raw.blob" | od -An -tx1 | tr -d ' \n')"
tail -c +17 "$work/raw.blob" > "$work/raw.ciphertext"
key="5c192ece6a4278fb0d791cce8178a21760a0c93f79e5ba4d2d96644af294e185" # PBKDF2(tlt_encode, default salt)
rm -rf "$work/nemo"

# measure NAME COMMAND...: best wall time and its peak RSS over $runs runs (page cache warm after run 1).
measure() {
    local name="$1"; shift
    local best="" best_rss=""
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$work/time.txt" "$@" > /dev/null
        local wall rss
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")"
        rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")"
        if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$wall"; best_rss="$rss"; fi
        rm -f "$work/out"
    done
    awk -v n="$name" -v t="$best" -v r="$best_rss" -v mb="$size_mb" \
        'BEGIN { printf "| %-44s | %7.2f s | %7.0f MB/s | %6.1f MB |\n", n, t, mb * 1.048576 / t, r / 1024 }'
}

echo "payload: $size_mb MiB, tlt $(stat -c %s "$work/bench.tlt") bytes; best of $runs; $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "| command | wall | throughput | peak RSS |"
echo "|---|---|---|---|"
measure "cat bench.tlt > /dev/null" cat "$work/bench.tlt"
measure "openssl enc -d -aes-256-ctr (raw blob → file)" openssl enc -d -aes-256-ctr -K "$key" -iv "$iv" -in "$work/raw.ciphertext" -out "$work/out"
measure "decant decrypt --list --key (verify only)" "$DECANT" decrypt --list "$work/bench.tlt" --key tlt_encode
measure "decant decrypt (EFF .tlt → .nemo file)" "$DECANT" decrypt "$work/bench.tlt" --key tlt_encode -o "$work/out"
measure "decant decrypt (raw blob → file)" "$DECANT" decrypt "$work/raw.blob" --key tlt_encode -o "$work/out"
