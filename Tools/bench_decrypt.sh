#!/usr/bin/env bash
# Benchmarks `decant decrypt` on a synthetic ≥1 GB EFF .tlt against `openssl enc -d -aes-256-ctr` on a raw
# blob of the same size and a read floor (`dd` to /dev/null), reporting wall time, throughput, user+sys CPU
# time and peak RSS (best of RUNS; CPU time is the least noisy column on a shared machine).
#
#   Tools/bench_decrypt.sh [SIZE_MB]        (default 1024; DECANT=path/to/decant to skip the release build,
#                                            SCRATCH=.build-xyz for the release build's scratch path)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-1024}"
runs="${RUNS:-3}"
if [[ -z "${DECANT:-}" ]]; then
    scratch="${SCRATCH:-.build-release}"
    swift build -c release --scratch-path "$scratch" --product decant >&2
    DECANT="$scratch/release/decant"
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

# measure NAME COMMAND...: best wall time, least user+sys CPU time and the largest peak RSS over $runs runs
# (page cache warm after run 1).
measure() {
    local name="$1"; shift
    local best="" best_cpu="" max_rss=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$work/time.txt" "$@" > /dev/null
        local wall cpu rss
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")"
        cpu="$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$work/time.txt")"
        rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")"
        if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$wall"; fi
        if [[ -z "$best_cpu" ]] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu="$cpu"; fi
        (( rss > max_rss )) && max_rss="$rss"
        rm -f "$work/out"
    done
    awk -v n="$name" -v t="$best" -v c="$best_cpu" -v r="$max_rss" -v mb="$size_mb" \
        'BEGIN { printf "| %-46s | %6.2f s | %5.0f MB/s | %6.2f s | %6.1f MB |\n", n, t, mb * 1.048576 / t, c, r / 1024 }'
}

echo "payload: $size_mb MiB, tlt $(stat -c %s "$work/bench.tlt") bytes; best of $runs; $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "| command | wall | throughput | user+sys | peak RSS |"
echo "|---|---|---|---|---|"
# GNU cat splices into /dev/null without reading, so the floor is dd with real read(2)s.
measure "dd if=bench.tlt of=/dev/null bs=1M (read floor)" dd if="$work/bench.tlt" of=/dev/null bs=1M status=none
measure "openssl enc -d -aes-256-ctr (raw blob → file)" openssl enc -d -aes-256-ctr -K "$key" -iv "$iv" -in "$work/raw.ciphertext" -out "$work/out"
measure "decant decrypt --list (index pass only)" "$DECANT" decrypt --list "$work/bench.tlt"
measure "decant decrypt --list --key (verify only)" "$DECANT" decrypt --list "$work/bench.tlt" --key tlt_encode
measure "decant decrypt (EFF .tlt → .nemo file)" "$DECANT" decrypt "$work/bench.tlt" --key tlt_encode -o "$work/out"
measure "decant decrypt (raw blob → file)" "$DECANT" decrypt "$work/raw.blob" --key tlt_encode -o "$work/out"
