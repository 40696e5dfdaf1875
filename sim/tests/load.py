"""sim-load: `v2x-sim load` drives vehicles at 10 Hz through the real
agents and broker and reports, as `name: value unit` lines, the offered
rate, what the broker accepted and the warnings' latency percentiles.

  load.py V2X_SIM WORK_DIR
"""
import os
import re
import subprocess
import sys

sim, work = sys.argv[1:3]
r = subprocess.run([sim, "load", "--vehicles=300", "--duration=4s",
                    "--out", os.path.join(work, "load")],
                   capture_output=True, text=True, timeout=170)
print(r.stdout)
print(r.stderr, file=sys.stderr)
failures = []
fig = {}
for line in r.stdout.splitlines():
    m = re.fullmatch(r"([a-z0-9_]+): (-?[0-9.]+)( \S+)?", line)
    if m:
        fig[m.group(1)] = float(m.group(2))
if r.returncode != 0:
    failures.append(f"exit status {r.returncode}")
for name in ("load_offered_bsm_per_s", "load_bsm_sent", "broker_accepted_bsm",
             "broker_accepted_bsm_per_s", "broker_accepted_vs_offered_ratio", "sub_p50_us",
             "sub_p99_us"):
    if name not in fig:
        failures.append(f"no figure {name}")
if not failures:
    # 300 vehicles at 10 Hz: 3000 BSM/s offered.
    if not 2400 <= fig["load_offered_bsm_per_s"] <= 3600:
        failures.append(f"offered {fig['load_offered_bsm_per_s']} BSM/s, wanted about 3000")
    # Every BSM sent reaches one agent in range or more; the broker keeps
    # what passed validation: most of them.
    if fig["broker_accepted_bsm"] < 0.5 * fig["load_bsm_sent"]:
        failures.append(f"the broker accepted {fig['broker_accepted_bsm']} of "
                        f"{fig['load_bsm_sent']} BSMs")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
