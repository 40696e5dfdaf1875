#!/bin/sh
# v2x-map as people and scripts use it.
#
#   test_cli.sh V2X_MAP V2X_CODEC MAPGEN_DEV
set -u
map=$1
codec=$2
mapgen_dev=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# gen: same seed, same bytes; another seed, another map; the defaults are
# the generator's own.
"$map" gen -o "$work/a" >/dev/null || fail "gen"
"$map" gen --out "$work/b" --seed 1 >/dev/null || fail "gen --seed 1"
cmp -s "$work/a/map.json" "$work/b/map.json" || fail "same seed, different map.json"
cmp -s "$work/a/ground-truth.json" "$work/b/ground-truth.json" || fail "same seed, different truth"
"$map" gen -o "$work/c" --seed 2 --hairpins 5 >/dev/null || fail "gen --seed 2 --hairpins 5"
cmp -s "$work/a/map.json" "$work/c/map.json" && fail "seed 2 gave the map of seed 1"
mkdir "$work/d" && "$mapgen_dev" "$work/d" 1 >/dev/null || fail "mapgen-dev"
cmp -s "$work/a/map.json" "$work/d/map.json" || fail "v2x-map gen's defaults are not mapgen's"
"$map" gen -o "$work/e" --hairpins 2 2>"$work/err" && fail "gen accepted 2 hairpins"
grep -q "hairpins" "$work/err" || fail "gen --hairpins 2: $(cat "$work/err")"

# info, export, mapmsg, match on the file.
"$map" info --map "$work/a/map.json" | grep -q "4 stop lines" || fail "info"
"$map" export --geojson --map "$work/a/map.json" -o "$work/a/map.geojson" 2>/dev/null || fail "export"
grep -q '"FeatureCollection"' "$work/a/map.geojson" || fail "export: not a FeatureCollection"
for layer in lane curve tunnel bridge stop_line obstruction rsu hazard intersection; do
	grep -q "\"layer\": \"$layer\"" "$work/a/map.geojson" || fail "export: no $layer"
done
"$map" export --map "$work/a/map.json" 2>/dev/null && fail "export without a format"
"$map" mapmsg --map "$work/a/map.json" 2>/dev/null >"$work/map.hex" || fail "mapmsg"
"$codec" roundtrip <"$work/map.hex" | tail -n 1 | grep -qx '1 ok, 0 mismatch, 0 error' ||
	fail "mapmsg's MAP does not round-trip through the codec"
"$map" match 29.5960608 106.500104 --heading 0 --map "$work/a/map.json" >"$work/m.txt" ||
	fail "match on the first hairpin"
grep -q "^lane 31 " "$work/m.txt" || fail "match: $(head -n 2 "$work/m.txt")"
grep -q "curve starts .*hairpin" "$work/m.txt" || fail "match: no curve ahead"
"$map" match 29.0 106.0 --map "$work/a/map.json" 2>"$work/err" && fail "match far away"
grep -q "off map" "$work/err" || fail "match far away: $(cat "$work/err")"
"$map" match 29.6 2>/dev/null
[ $? -eq 2 ] || fail "match with one coordinate does not exit 2"

# load: into a private cluster (the default), with clear errors.
"$map" load "$work/a/map.json" >"$work/load.txt" 2>/dev/null || fail "load: $(cat "$work/load.txt")"
grep -q "^map version 1 " "$work/load.txt" || fail "load did not report the version"
"$map" load --db "host=/nonexistent dbname=x" "$work/a/map.json" 2>"$work/err" && fail "load into no database"
grep -qi "postgresql" "$work/err" || fail "load into no database: $(cat "$work/err")"
grep -v '"from_lane": 61, "to_lane": 1671' "$work/a/map.json" >"$work/broken.json"
"$map" load "$work/broken.json" 2>"$work/err" >/dev/null && fail "load of a map missing a connection"
grep -q "61" "$work/err" || fail "validation error does not name the lane: $(cat "$work/err")"
"$map" info --map "$work/none.json" 2>"$work/err" && fail "info of a missing file"
grep -q "none.json" "$work/err" || fail "missing file error: $(cat "$work/err")"

for c in gen load export mapmsg info match; do
	"$map" $c --help | grep -q "v2x-map $c" || fail "$c --help"
done
"$map" nonsense 2>/dev/null
[ $? -eq 2 ] || fail "unknown command does not exit 2"

[ $failed -eq 0 ] && echo "v2x-map command line: all checks passed"
exit $failed
