#!/bin/sh
# The project's main job, from a fresh machine: installs what is missing,
# builds, then runs the flagship scenario of the test field, "mountain
# pass", against the real system: v2x-sim starts a private PostgreSQL +
# PostGIS cluster, generates and loads the mountain test field, starts
# v2x-broker and one v2x-agent per RSU, drives the scenario's vehicles
# (BSMs in UPER by UDP to the agents in radio range, the junction's MAP and
# SPAT, the RSUs' RSI), shows the warnings as they arrive with a live
# progress line, prints the verdict and where the report and plots are,
# and stops everything it started, even on Ctrl-C.
#
#   scripts/demo.sh [SCENARIO.yaml]     (default: sim/scenarios/mountain-pass.yaml)
#
# scripts/tour.sh shows the parts one at a time (codec, map, agent, broker).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
-h | --help)
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac
sh scripts/setup.sh
scenario=${1:-sim/scenarios/mountain-pass.yaml}
echo
exec build/sim/main/v2x-sim run "$scenario" --out build/demo/"$(basename "$scenario" .yaml)"
