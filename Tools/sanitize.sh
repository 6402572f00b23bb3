#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer, the threaded code (EFF artifact pipeline, streamed conversion, inference) under
# ThreadSanitizer, and a fuzz smoke pass over the committed corpora. Each sanitizer has its own scratch path.
#
#   Tools/sanitize.sh            # asan + tsan + fuzz replay
#   Tools/sanitize.sh asan       # one of: asan, tsan, fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("${@:-asan tsan fuzz}")
steps=(${steps[*]})

for step in "${steps[@]}"; do
    case $step in
        asan)
            echo "== AddressSanitizer: every test (.build-asan)"
            # The CLI tests run the decant binary built here, so it carries ASan too. Leak checking is off:
            # the Swift runtime's metadata caches and Dispatch's thread pools are reported as leaks at exit.
            swift build --build-tests --sanitize address --scratch-path .build-asan
            ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 swift test --skip-build --sanitize address --scratch-path .build-asan
            ;;
        tsan)
            echo "== ThreadSanitizer: EFF pipeline, streamed conversion and inference threading (.build-tsan)"
            swift build --build-tests --sanitize thread --scratch-path .build-tsan
            # Tools/tsan.supp: Synchronization.Mutex is invisible to TSan on Linux (see the file).
            TSAN_OPTIONS="halt_on_error=1:suppressions=$PWD/Tools/tsan.supp" swift test --skip-build --sanitize thread --scratch-path .build-tsan \
                --filter 'ArtifactPipelineTests|EFFPipelinedReadTests|EFFReaderTests|EFFWriterTests|NemoArchiveTests|StreamingSourceTests|BadInputTests|InferenceTests'
            ;;
        fuzz)
            echo "== fuzz smoke: 5 s per target from the fixtures and the adversarial corpus (about a minute)"
            Tools/fuzz 5
            ;;
        *)
            echo "unknown step $step (expected asan, tsan or fuzz)" >&2
            exit 2
            ;;
    esac
done
