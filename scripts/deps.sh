#!/bin/sh
# Installs the Debian 12 packages the project needs and that are missing.
#
#   scripts/deps.sh build    what building needs
#   scripts/deps.sh test     building plus what the test suite needs
#
# As root it runs apt-get itself (apt-get update first, only when something
# is missing); otherwise it prints the exact apt-get line and fails.
set -eu

build_pkgs="meson ninja-build gcc pkg-config libjansson-dev libprotobuf-c-dev libuv1-dev
libpcap-dev zlib1g-dev
protobuf-c-compiler libpq-dev libproj-dev proj-data libyaml-dev libcairo2-dev"

# Tests: the private PostGIS cluster, the Erlang/OTP UPER implementation
# for differential tests, clang for the sanitizer build and libFuzzer, the
# protobuf reference implementation for framing cross-checks, asn1c to
# check that the committed generated code is current, the linters, and
# Mosquitto with its client library for the broker benchmark's baseline.
test_pkgs="postgresql-15 postgresql-15-postgis-3 erlang-base erlang-asn1 clang
libclang-rt-14-dev python3 python3-protobuf protobuf-compiler asn1c clang-format
clang-tidy cppcheck libmosquitto-dev mosquitto"

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs" ;;
-h | --help)
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "deps.sh: unknown set '$1' (build or test)" >&2
	exit 2
	;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing Debian packages. As root, run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "Installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
