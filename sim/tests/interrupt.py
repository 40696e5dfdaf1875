"""sim-interrupt: ^C during a run stops everything v2x-sim started (the
agents, the broker, the private PostgreSQL cluster, whose folder is
removed) and v2x-sim exits with 130.

  interrupt.py V2X_SIM SCENARIO OUT_DIR
"""
import os
import signal
import subprocess
import sys
import time

sim, scenario, out = sys.argv[1:4]
failures = []


def children(pid):
    """Every descendant of pid (from /proc), with its command line."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append((int(p), cmd))
    found, todo = [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


p = subprocess.Popen([sim, "run", scenario, "--out", out, "--progress=off"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
started = time.time()
seen = ""
for line in p.stdout:
    seen += line
    if line.startswith("== running"):
        break
time.sleep(2.0)
procs = children(p.pid)
names = " ".join(cmd for _, cmd in procs)
for what in ("v2x-broker", "v2x-agent", "postgres"):
    if what not in names:
        failures.append(f"no {what} among v2x-sim's processes before ^C: {names[:300]}")
data = [c.split(" -D ", 1)[1].split()[0] for _, c in procs if " -D " in c]
p.send_signal(signal.SIGINT)
try:
    rest, _ = p.communicate(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    rest, _ = p.communicate()
    failures.append("v2x-sim did not exit within 60 s of ^C")
seen += rest
if p.returncode != 130:
    failures.append(f"exit status {p.returncode}, wanted 130")
if "interrupted" not in seen:
    failures.append("no word of the interruption")
# The cluster's guard removes its folder once v2x-sim is gone: a moment.
deadline = time.time() + 15
while time.time() < deadline and (any(alive(pid) for pid, _ in procs) or
                                  any(os.path.exists(d) for d in data)):
    time.sleep(0.2)
left = [cmd for pid, cmd in procs if alive(pid)]
if left:
    failures.append(f"still running after ^C: {left}")
if not data:
    failures.append("no PostgreSQL data folder seen")
for d in data:
    if os.path.exists(d):
        failures.append(f"the cluster folder {d} is left behind")
print(seen)
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
