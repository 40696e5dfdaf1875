"""sim-determinism: the same scenario and seed give the same BSM stream
and the same expected warnings, byte for byte; another seed gives another
stream.  Uses `v2x-sim plan` and `v2x-sim expect` (nothing is started).

  determinism.py V2X_SIM SCENARIOS_DIR WORK_DIR
"""
import os
import subprocess
import sys

sim, scenarios, work = sys.argv[1:4]
failures = []


def out(*args):
    r = subprocess.run([sim, *args], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"v2x-sim {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return ""
    return r.stdout


def check(cond, what):
    if not cond:
        failures.append(what)


# A scenario with every kind of randomness: burst loss and GNSS noise.
path = os.path.join(scenarios, "burst-loss-gnss.yaml")
a, b = out("plan", path), out("plan", path)
check(a and a == b, "two plans of burst-loss-gnss differ")
lines = a.splitlines()
check(len(lines) > 250, f"the plan has only {len(lines)} datagrams")
ea, eb = out("expect", path), out("expect", path)
check(ea and ea == eb, "two expectation lists of burst-loss-gnss differ")
check(ea.count("\n") >= 2, f"burst-loss-gnss expects too little:\n{ea}")

# Another master seed: another stream (the faults draw from it).
text = open(path).read().replace("seed: 20", "seed: 21")
check("seed: 21" in text, "the scenario's seed line was not found")
other = os.path.join(work, "burst-loss-gnss-seed21.yaml")
with open(other, "w") as f:
    f.write(text)
c = out("plan", other)
check(c and c != a, "a different seed gave the same plan")

# Another epoch moves the times inside the messages, not the schedule.
d = out("plan", "--epoch-us=1800000000000000", path)
check([ln.split()[:4] for ln in d.splitlines()] == [ln.split()[:4] for ln in lines],
      "another epoch changed the schedule")

for f in failures:
    print("FAIL:", f)
print("ok" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
