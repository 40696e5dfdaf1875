#!/bin/sh
# A tour of the parts, one at a time, from a fresh machine: installs what
# is missing, builds, then shows the C-V2X codec on the
# test field's messages (and the real RSU captures when ../shared/vectors
# is present), then the mountain test field: generated, loaded into a
# private PostGIS cluster that the tool starts and removes itself, the
# valley junction's MAP message, a vehicle matched on a hairpin, and an RSU
# agent that spools the field's messages while the broker is away and
# delivers them exactly once when it is back; then the broker warning a car
# of a rockfall along its lane, and not the car on the other hairpin leg.
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

echo
echo "== 6. An RSU agent: the field's messages, the broker away, then back"
agent=build/rsu-agent/agent/v2x-agent
peer=build/tests/wirepeer/v2x-wirepeer
rm -rf "$out/agent" && mkdir -p "$out/agent"
$codec demo --json | grep '^{' | $codec encode >"$out/agent/field.hex"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The samples carry fixed times, so freshness is not judged here.
$agent --config=/dev/null --id=rsu-hairpin-3 --broker="127.0.0.1:$port" --listen= \
	--metrics= --stdin-hex --spool-dir="$out/agent/spool" --max-age=0 --max-future=0 --max-age-moy=0 \
	--backoff-max=300ms --exit-when-done <"$out/agent/field.hex" &
agent_pid=$!
sleep 1
echo "   the broker is away: $(ls "$out/agent/spool" | grep -c seg) spool segment(s) hold what the radio heard"
$peer --port="$port" --out "$out/agent/received.jsonl" --log-level=warn >"$out/agent/peer.out" &
peer_pid=$!
wait $agent_pid
kill -TERM $peer_pid && wait $peer_pid || true
python3 - "$out/agent/received.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    m = o["msg"]
    print(f"   seq {o['seq']}: {o['type']:4} from {o['agent']}, replayed={o['replayed']}, "
          f"msgCnt {m[m['type']]['msg_cnt']}")
EOF
echo "   $(tail -1 "$out/agent/peer.out")"

echo
echo "== 7. The broker: a rockfall reported by RSU 4, two cars, one subscriber"
build/tests/with-postgis --log-level=warn /usr/bin/python3 scripts/demo-broker.py build "$top"
