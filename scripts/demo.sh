#!/bin/sh
# The project's main job, from a fresh machine: installs what is missing,
# builds, and runs the demo of what works so far: the C-V2X codec on the
# test field's messages (and the real RSU captures when ../shared/vectors
# is present), then the mountain test field: generated, loaded into a
# private PostGIS cluster that the tool starts and removes itself, the
# valley junction's MAP message, and a vehicle matched on a hairpin.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh
codec=build/codecs/v2x-codec
map=build/maps/v2x-map
out=build/demo
vectors=${V2X_VECTORS:-$top/../shared/vectors}

echo
echo "== 1. The C-V2X codec (T/CSAE 53 Day-1 messages, UPER)"
if [ -d "$vectors/csae53-real" ]; then
	$codec demo --vectors "$vectors/csae53-real"
else
	$codec demo
fi

echo
echo "== 2. The mountain test field (seed 1)"
$map gen --out "$out"
$map export --geojson --map "$out/map.json" --out "$out/map.geojson"
echo "   open $out/map.geojson in QGIS or geojson.io to see it"

echo
echo "== 3. Loaded into PostGIS (a private cluster, started and removed by v2x-map)"
$map load --log-level warn "$out/map.json"

echo
echo "== 4. The valley junction's MAP message, through the codec"
$map mapmsg --map "$out/map.json" 2>/dev/null >"$out/junction.hex"
$codec roundtrip <"$out/junction.hex"
$codec decode <"$out/junction.hex" | cut -c 1-160
echo "   ..."

echo
echo "== 5. A vehicle on the first hairpin, matched to its lane"
apex=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
c = next(c for c in t["curves"] if c["hairpin"])
a = c["apex"]
print(a["lat_deg"], a["lon_deg"], a["z"])' "$out/ground-truth.json")
set -- $apex
$map match "$1" "$2" --elev "$3" --ahead 250 --map "$out/map.json"
