"""sim-broken-expectation: a scenario with a deliberately wrong
expectation runs through the real system, exits 1, and its verdict and
report name the failed check and why; every other check passes.

  broken.py V2X_SIM SCENARIO OUT_DIR
"""
import json
import os
import re
import subprocess
import sys

sim, scenario, out = sys.argv[1:4]
r = subprocess.run([sim, "run", scenario, "--out", out, "--progress=off"],
                   capture_output=True, text=True, timeout=140)
print(r.stdout)
print(r.stderr, file=sys.stderr)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


check(r.returncode == 1, f"exit status {r.returncode}, wanted 1 (a failed check)")
lines = r.stdout.strip().splitlines()
last = lines[-1] if lines else ""
m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
check(m is not None, f"last line {last!r} is not 'N passed, N failed'")
if m:
    check(int(m.group(2)) == 1, f"{m.group(2)} checks failed, wanted exactly the broken one")
    check(int(m.group(1)) >= 2, "the sound checks did not pass")
fails = [ln for ln in lines if ln.startswith("FAIL")]
check(len(fails) == 1 and "V3" in fails[0] and "curve_speed" in fails[0],
      f"the FAIL line does not name the broken expectation: {fails}")
check(any(w in (fails or [""])[0] for w in ("no ", "none", "never", "did not", "0 ")),
      f"the FAIL line does not say why: {fails}")
try:
    rep = json.load(open(os.path.join(out, "report.json")))
    text = json.dumps(rep)
    check("V3" in text, "report.json does not name V3")
    md = open(os.path.join(out, "report.md")).read()
    check("FAIL" in md and "V3" in md, "report.md does not show the failed check")
    check(md.strip().splitlines()[-1] == last, "report.md does not end with the verdict line")
except (OSError, ValueError) as e:
    failures.append(f"report: {e}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
