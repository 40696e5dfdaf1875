"""sim-cli: v2x-sim's commands say what they do (--help), and refuse bad
scenarios with the file, line and key, and what to do, without starting
anything.

  cli.py V2X_SIM WORK_DIR
"""
import os
import subprocess
import sys

sim, work = sys.argv[1:3]
failures = []


def run(*args):
    return subprocess.run([sim, *args], capture_output=True, text=True, timeout=30)


def check(cond, what):
    if not cond:
        failures.append(what)


r = run("--help")
check(r.returncode == 0 and "run" in r.stdout and "check" in r.stdout, f"--help: {r.stdout}")
for cmd in ("run", "check", "plan", "expect"):
    r = run(cmd, "--help")
    check(r.returncode == 0 and "usage" in r.stdout.lower(),
          f"{cmd} --help: {r.returncode} {r.stdout[:200]}")
r = run("fly")
check(r.returncode == 2 and "unknown command" in r.stderr, f"unknown command: {r.stderr}")

bad = os.path.join(work, "bad-scenario.yaml")
with open(bad, "w") as f:
    f.write("name: bad\nduration_s: 10\nactors:\n  - name: V1\n    route: [31]\n"
            "    sped_kmh: 40\n")
r = run("check", bad)
check(r.returncode == 2, f"a bad key: exit {r.returncode}")
check("bad-scenario.yaml:6" in r.stderr and "sped_kmh" in r.stderr,
      f"a bad key: the error does not say where: {r.stderr}")

with open(bad, "w") as f:
    f.write("name: bad\nduration_s: 10\nactors:\n  - name: V1\n    route: [31, 11]\n"
            "    speed_kmh: 40\n")
r = run("check", bad)
check(r.returncode == 2 and "31" in r.stderr and "11" in r.stderr,
      f"a route that does not connect: {r.returncode} {r.stderr}")

r = run("run", os.path.join(work, "no-such-file.yaml"), "--out", os.path.join(work, "x"))
check(r.returncode == 2 and "no-such-file.yaml" in r.stderr,
      f"a missing file: {r.returncode} {r.stderr}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
