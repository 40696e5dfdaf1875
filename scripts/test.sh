#!/bin/sh
# Runs the whole test suite: installs what is missing, builds and tests the
# project twice (gcc in build/, then clang with ASan+UBSan and the fuzzers
# in build-asan/), and ends with the line "N passed, N failed, N skipped"
# over both.  Exit status 0 only when nothing failed.
#
#   scripts/test.sh [MESON TEST ARGS...]     e.g. --suite codecs
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

sh scripts/deps.sh test || exit 1
status=0

run_suite() {
	dir=$1
	shift
	echo "=== meson test -C $dir $*"
	meson test -C "$dir" --print-errorlogs "$@" || status=1
}

if sh scripts/setup.sh; then
	run_suite build "$@"
else
	echo "build in build/ failed" >&2
	status=1
fi
# Sanitizer run: the same tests but the linters, which already ran above and
# gain nothing from sanitizers, and the scenario catalogue, whose flagship
# (in suite sim) meets every application.
if sh scripts/setup.sh --sanitize; then
	run_suite build-asan --no-suite lint --no-suite sim-catalogue "$@"
else
	echo "build in build-asan/ failed" >&2
	status=1
fi

python3 scripts/test-summary.py build/meson-logs/testlog.json \
	build-asan/meson-logs/testlog.json || status=1
exit $status
