#!/bin/sh
# Regenerates codecs/gen/ (the asn1c UPER codec) from the ASN.1 modules in
# codecs/asn1/ with Debian's asn1c 0.9.28, then applies the runtime fixes in
# codecs/asn1c-fixes/ and writes codecs/gen/meson.build.
#
#   codecs/regen.sh           regenerate in place
#   codecs/regen.sh --check   regenerate into a temporary folder and fail
#                             (exit 1) when it differs from codecs/gen/
#
# The generated code is committed so that a build needs no asn1c; this
# script is the one way it changes.  Never edit codecs/gen/ by hand.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
check=0
case "${1:-}" in
--check) check=1 ;;
-h | --help)
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
"") ;;
*)
	echo "regen.sh: unknown argument '$1' (try --help)" >&2
	exit 2
	;;
esac

if ! command -v asn1c >/dev/null 2>&1; then
	echo "regen.sh: asn1c not found; install it with: apt-get install asn1c" >&2
	exit 77
fi
case "$(asn1c -v 2>&1 | head -n 1)" in
*v0.9.28*) ;;
*)
	echo "regen.sh: need asn1c 0.9.28 (Debian 12); found: $(asn1c -v 2>&1 | head -n 1)" >&2
	exit 2
	;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/gen" "$work/asn1"
cp "$here"/asn1/*.asn "$work/asn1/"

# Run from a fixed relative layout so that the paths asn1c writes into the
# generated comments do not depend on where the tree is checked out.
(cd "$work/gen" && LC_ALL=C asn1c -fcompound-names -fincludes-quoted -gen-PER \
	../asn1/*.asn >"$work/asn1c.log" 2>&1) || {
	cat "$work/asn1c.log" >&2
	exit 1
}
rm -f "$work/gen/converter-sample.c" "$work/gen/Makefile.am.sample"
# The skeletons are copied as symlinks or files depending on the version;
# make them plain files before patching.
for f in "$work"/gen/*; do
	if [ -L "$f" ]; then
		cp --remove-destination "$(readlink -f "$f")" "$f"
	fi
done
for p in "$here"/asn1c-fixes/*.patch; do
	patch -s -p1 -d "$work/gen" <"$p"
done
find "$work/gen" -name '*.orig' -delete

{
	echo "# Written by codecs/regen.sh; do not edit."
	echo "asn1gen_sources = files("
	(cd "$work/gen" && LC_ALL=C ls -1 -- *.c) | sed "s/.*/  '&',/"
	echo ")"
} >"$work/gen/meson.build"

if [ "$check" = 1 ]; then
	if diff -r -q "$here/gen" "$work/gen" >"$work/diff.txt"; then
		echo "codecs/gen is up to date"
		exit 0
	fi
	cat "$work/diff.txt" >&2
	echo "codecs/gen differs from what codecs/regen.sh generates: run codecs/regen.sh" >&2
	exit 1
fi

rm -rf "$here/gen"
cp -r "$work/gen" "$here/gen"
echo "codecs/gen regenerated: $(ls "$here/gen" | wc -l) files"
