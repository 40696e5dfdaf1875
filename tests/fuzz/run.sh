#!/bin/sh
# Runs a libFuzzer target for a fixed number of executions, as a test: new
# inputs go to a temporary folder, never into the committed corpus.  Exits
# with the fuzzer's status (non-zero on a crash, leak or sanitizer report).
#
#   run.sh FUZZER RUNS CORPUS_DIR [LIBFUZZER_OPTIONS...]
set -u
fuzzer=$(readlink -f "$1")
runs=$2
corpus=$(readlink -f "$3")
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
mkdir new
"$fuzzer" -runs="$runs" -print_final_stats=1 "$@" new "$corpus" >log 2>&1
status=$?
tail -n 25 log
exit $status
