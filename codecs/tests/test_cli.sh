#!/bin/sh
# v2x-codec as scripts use it: decode | encode reproduces the bytes,
# roundtrip reports per line and in its summary, bad input names its line.
#
#   test_cli.sh V2X_CODEC VECTORS_DIR
set -u
codec=$1
vectors=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

hex_of() {
	od -An -tx1 -v "$1" | tr -d ' \n'
	echo
}

# The samples, as JSON lines, through encode, decode, encode again.
"$codec" demo --json | grep '^{' >"$work/samples.json" || fail "demo --json"
[ "$(wc -l <"$work/samples.json")" -eq 5 ] || fail "demo printed $(wc -l <"$work/samples.json") JSON lines, not 5"
"$codec" encode <"$work/samples.json" >"$work/samples.hex" || fail "encode of the samples"
"$codec" decode <"$work/samples.hex" >"$work/again.json" || fail "decode of the samples"
"$codec" encode <"$work/again.json" >"$work/again.hex" || fail "encode of decode's output"
cmp -s "$work/samples.hex" "$work/again.hex" || fail "decode | encode changed the bytes"

# roundtrip: one line per message and the summary; exit 0 only when all ok.
{
	echo "# a comment, then a blank line"
	echo
	cat "$work/samples.hex"
} >"$work/in.hex"
"$codec" roundtrip <"$work/in.hex" >"$work/rt.txt" || fail "roundtrip of the samples"
[ "$(grep -c '^ok' "$work/rt.txt")" -eq 5 ] || fail "roundtrip: not 5 ok lines"
tail -n 1 "$work/rt.txt" | grep -qx '5 ok, 0 mismatch, 0 error' || fail "roundtrip summary: $(tail -n 1 "$work/rt.txt")"

printf '%s\nzz12\n%s\n' "$(head -n 1 "$work/samples.hex")" "$(head -n 1 "$work/samples.hex" | cut -c1-10)" >"$work/bad.hex"
if "$codec" roundtrip <"$work/bad.hex" >"$work/rt2.txt"; then
	fail "roundtrip exited 0 with bad lines"
fi
grep -q '^error: PARSE: column 1' "$work/rt2.txt" || fail "roundtrip: no column for a non-hex line"
grep -q '^error: TRUNCATED: .*(line 3)' "$work/rt2.txt" || fail "roundtrip: no TRUNCATED for a cut message"
tail -n 1 "$work/rt2.txt" | grep -qx '1 ok, 0 mismatch, 2 error' || fail "roundtrip summary: $(tail -n 1 "$work/rt2.txt")"

# decode: errors keep lines aligned and say which line.
"$codec" decode <"$work/bad.hex" >"$work/d.json" 2>"$work/d.err" && fail "decode exited 0 with bad lines"
grep -q '^v2x-codec: line 2: column 1' "$work/d.err" || fail "decode: no line number for bad hex"
grep -q '"error":"TRUNCATED"' "$work/d.json" || fail "decode: no error object"

# encode: a wrong field is named.
echo '{"type":"bsm","bsm":{"msg_cnt":1000}}' | "$codec" encode >/dev/null 2>"$work/e.err" && fail "encode accepted msg_cnt 1000"
grep -q 'line 1: bsm.msg_cnt: 1000 is outside 0..255' "$work/e.err" || fail "encode error: $(cat "$work/e.err")"

# --help on every command, usage errors exit 2.
for c in decode encode roundtrip demo; do
	"$codec" $c --help | grep -q "usage: v2x-codec $c" || fail "$c --help"
done
"$codec" frobnicate 2>/dev/null
[ $? -eq 2 ] || fail "unknown command does not exit 2"

# The real captures, when present: binary files and hex lines.
if [ -d "$vectors/csae53-real" ]; then
	for f in "$vectors"/csae53-real/*.uper; do
		hex_of "$f"
	done >"$work/real.hex"
	"$codec" roundtrip <"$work/real.hex" >"$work/rt3.txt" || fail "roundtrip of the real captures: $(cat "$work/rt3.txt")"
	tail -n 1 "$work/rt3.txt"
	"$codec" decode "$vectors"/csae53-real/*.uper >"$work/real.json" || fail "decode of the real files"
	"$codec" encode <"$work/real.json" >"$work/real2.hex" || fail "encode of the real files' JSON"
	cmp -s "$work/real.hex" "$work/real2.hex" || fail "decode | encode changed a real capture"
	hex_of "$vectors/csae53-newer-schema/ext_choice_msgFrameExt.uper" | "$codec" roundtrip >"$work/rt4.txt"
	grep -q '^error: UNSUPPORTED_MSG' "$work/rt4.txt" || fail "a Day-2 message is not reported as unsupported"
fi

[ $failed -eq 0 ] && echo "v2x-codec command line: all checks passed"
exit $failed
