#!/bin/sh
# Style and static analysis of the project's own C code (not codecs/gen,
# not generated protobuf code): clang-format, cppcheck and clang-tidy.
#
#   scripts/lint.sh [BUILD_DIR]     (BUILD_DIR holds compile_commands.json;
#                                    default build)
# Exit 0 when all three are clean.  Run as the meson test 'lint'.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
cd "$top" || exit 1
status=0

sources=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^codecs/gen/' || true)
if [ -z "$sources" ]; then
	# Not a git checkout: every C file outside generated and build folders.
	sources=$(find . -name '*.[ch]' -not -path './codecs/gen/*' -not -path './build*' \
		| sed 's|^\./||')
fi
for tool in clang-format cppcheck clang-tidy; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "lint: $tool not found (apt-get install $tool)" >&2
		exit 77
	fi
done

echo "clang-format: $(echo "$sources" | wc -w) files"
# shellcheck disable=SC2086
clang-format --dry-run -Werror $sources || status=1

echo "cppcheck"
# shellcheck disable=SC2086
cppcheck -q --std=c11 --enable=warning,style,performance,portability --inline-suppr \
	--error-exitcode=1 -I. --suppress=missingIncludeSystem --suppress=unusedStructMember \
	--suppress=constParameterCallback -D__GNUC__ \
	$(echo "$sources" | tr ' ' '\n' | grep '\.c$') || status=1

echo "clang-tidy"
if [ ! -f "$build/compile_commands.json" ]; then
	echo "lint: no $build/compile_commands.json (build first)" >&2
	exit 1
fi
# Only the files the build compiles (compile_commands.json knows their flags),
# a few per clang-tidy process, one process per core.
units=$(echo "$sources" | tr ' ' '\n' | grep '\.c$' | while read -r f; do
	grep -q "\"file\": \".*/$f\"" "$build/compile_commands.json" && echo "$f"
done)
echo "$units" | xargs -n 4 -P "$(nproc)" clang-tidy -p "$build" --quiet 2>/dev/null \
	| grep -v '^[0-9]* warnings generated' >"$build/clang-tidy.log"
if grep -q 'error:\|warning:' "$build/clang-tidy.log"; then
	cat "$build/clang-tidy.log"
	status=1
fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status
