#!/bin/sh
# Installs what is missing, then configures and builds the project.
#
#   scripts/setup.sh [--sanitize]
#
# builds into build/ with gcc; with --sanitize into build-asan/ with clang,
# AddressSanitizer, UndefinedBehaviorSanitizer and the libFuzzer targets.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

case "${1:-}" in
"")
	sh scripts/deps.sh build
	[ -f build/build.ninja ] || meson setup build
	ninja -C build
	;;
--sanitize)
	sh scripts/deps.sh test
	[ -f build-asan/build.ninja ] || CC=clang meson setup build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
	ninja -C build-asan
	;;
-h | --help)
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
	;;
*)
	echo "setup.sh: unknown option '$1' (see --help)" >&2
	exit 2
	;;
esac
