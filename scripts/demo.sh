#!/bin/sh
# The project's main job, from a fresh machine: installs what is missing,
# builds, and runs the demo.  For now the demo is the codec's: a sample of
# each Day-1 message of the mountain test field encoded, decoded and
# checked, then the real RSU captures when ../shared/vectors is present.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh
vectors=${V2X_VECTORS:-$top/../shared/vectors}
if [ -d "$vectors/csae53-real" ]; then
	exec build/codecs/v2x-codec demo --vectors "$vectors/csae53-real" "$@"
fi
exec build/codecs/v2x-codec demo "$@"
