#!/usr/bin/python3
"""The broker's load benchmark (docs/benchmarks.md).

    run-bench.py --broker V2X_BROKER --load V2X_LOAD --agent V2X_AGENT
                 --map-tool V2X_MAP --with-postgis WITH_POSTGIS
                 --mosquitto-bench BENCH_MOSQUITTO --warnstub W --wirepeer P
                 [--quick] [--standin] [--keep]

Runs everything on this machine: a private PostgreSQL+PostGIS with the
test-field map loaded (under with-postgis, unless V2X_PG_CONNINFO is set),
the broker, K v2x-agent processes, subscribers and the load generator, then
Mosquitto with the same message sizes and rates; prints one figure per line
as `name: value unit`:

  e2e_p50_us, e2e_p99_us, e2e_p999_us   agent's receipt of the BSM -> the
                                        subscriber's receipt of the warning
  e2e_rate_bsm_per_s                    observations the broker acknowledged
                                        per second at 5,000 vehicles x 10 Hz
  broker_ingest_per_s                   fake agents fed pre-encoded frames
  fanout100_p99_us                      the same, 100 subscribers
  mosquitto_p99_us, mosquitto_fanout100_p99_us, e2e_p99_vs_mosquitto,
  fanout100_p99_vs_mosquitto            the baseline and the ratios

With --standin (before the broker exists) the agents talk to v2x-wirepeer
and the subscribers to v2x-bench-warnstub, whose warnings are not
triggered by the BSMs: the figures, prefixed standin_, only show that the
harness works.  Benchmarks print figures; they never fail because the
machine is slow.  They exit non-zero only when something did not run.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SKIP = 77

# The design load and the subscribers of each run.
VEHICLES = 5000
RATE_HZ = 10
AGENTS = 4
FRAME_CONNECTIONS = 4
FANOUT_SUBSCRIBERS = 100
FANOUT_TARGET = 1000.0  # warnings per second to each subscriber
EVENTS_ACTIVE = 4       # events each RSI carries (the newest first)
AGENTS_TOKEN = "bench-agents-token"
FRAMES_TOKEN = "bench-frames-token"
SUB_TOKEN = "bench-sub-token"
SUB_ACCOUNT = "bench-sub"


def log(msg):
    print("run-bench: " + msg, file=sys.stderr, flush=True)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def figures(text):
    out = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(": ")
        parts = rest.split()
        if sep and parts:
            try:
                out[name] = float(parts[0])
            except ValueError:
                pass
    return out


def http_get(port, path, timeout=2.0):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def metric_sum(text, name):
    """Sum of every sample of metric name (any labels) in Prometheus text."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{"):
            try:
                total += float(line.rsplit(None, 1)[1])
            except (IndexError, ValueError):
                pass
    return total


class Figures:
    """Collects the figures and prints each as it comes."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.values = {}

    def put(self, name, value, unit, fmt="%.0f"):
        self.values[name] = value
        text = "nan" if value is None else fmt % value
        print("%s%s: %s %s" % (self.prefix, name, text, unit), flush=True)


class Procs:
    """The processes of the run, stopped however the run ends."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def start(self, name, args, stdout=None):
        logf = open(os.path.join(self.tmp, name + ".log"), "w")
        p = subprocess.Popen(args, stdout=stdout or logf, stderr=logf, text=True)
        p.name, p.logpath, p.logf = name, logf.name, logf
        self.procs.append(p)
        return p

    def stop(self, p, timeout=15):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log("%s did not stop in %d s: killed" % (p.name, timeout))
                p.kill()
                p.wait()
        p.logf.close()
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    def stop_all(self):
        for p in list(reversed(self.procs)):
            self.stop(p)

    @staticmethod
    def tail(p, n=15):
        try:
            with open(p.logpath) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def wait_http(port, proc, what, timeout=60.0, want=None):
    """Waits for /healthz 200 (and, with want, a /metrics line) on port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s:\n%s" % (what, proc.returncode,
                                                           Procs.tail(proc)))
        try:
            status, _ = http_get(port, "/healthz")
            if status == 200 and (want is None or want(http_get(port, "/metrics")[1])):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("%s not up on port %d after %.0f s" % (what, port, timeout))


def read_listening(p):
    line = p.stdout.readline().split()
    if len(line) != 4 or line[0] != "listening":
        raise RuntimeError("%s did not say where it listens: %r" % (p.name, line))
    return int(line[3])


class Run:
    def __init__(self, a, tmp, procs):
        self.a = a
        self.tmp = tmp
        self.procs = procs
        self.fig = Figures("standin_" if a.standin else "")
        self.duration = 8 if a.quick else 20
        self.warmup = 2 if a.quick else 5
        self.vehicles = 1000 if a.quick else VEHICLES
        self.failed = []
        self.e2e_figs = self.fanout_figs = {}
        self.frame_bytes = 160
        self.agent_ports = []
        self.agent_metrics = []
        self.agents = []

    # ---- the broker or its stand-ins ----------------------------------

    def credentials(self):
        path = os.path.join(self.tmp, "credentials")
        rsus = ",".join("bench-rsu-%d" % (k + 1) for k in range(AGENTS))
        frames = ",".join("bench-frames-%d" % (k + 1) for k in range(FRAME_CONNECTIONS))
        with open(path, "w") as f:
            f.write("# run-bench.py: the benchmark's agents and subscribers\n")
            f.write("agent %s %s\n" % (AGENTS_TOKEN, rsus))
            f.write("agent %s %s\n" % (FRAMES_TOKEN, frames))
            f.write("subscriber %s %s\n" % (SUB_TOKEN, SUB_ACCOUNT))
        return path

    def load_map(self, conninfo):
        t0 = time.monotonic()
        p = subprocess.run([self.a.map_tool, "load", "--db", conninfo, "--log-level=warn"],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise RuntimeError("v2x-map load failed:\n" + p.stdout + p.stderr)
        self.fig.put("map_load_s", time.monotonic() - t0, "s", "%.1f")

    def start_broker(self, phase):
        self.agent_port, self.sub_port = free_port(), free_port()
        self.broker_metrics = free_port()
        spool = os.path.join(self.tmp, "broker-spool-" + phase)
        os.makedirs(spool)
        self.broker = self.procs.start("broker-" + phase, [
            self.a.broker, "--config=/dev/null", "--db=" + os.environ["V2X_PG_CONNINFO"],
            "--listen-agents=127.0.0.1:%d" % self.agent_port,
            "--listen-subscribers=127.0.0.1:%d" % self.sub_port,
            "--credentials=" + self.credentials(),
            "--metrics=127.0.0.1:%d" % self.broker_metrics,
            "--spool-dir=" + spool, "--persist-observations=all", "--log-level=warn"])
        wait_http(self.broker_metrics, self.broker, "v2x-broker", timeout=120)

    def start_standins(self, phase, warn_rate):
        """v2x-wirepeer for the agents, the warning stub for subscribers."""
        self.peer = self.procs.start("wirepeer-" + phase, [
            self.a.wirepeer, "--port=0", "--log-level=warn",
            "--out=" + os.path.join(self.tmp, "wirepeer-%s.jsonl" % phase)],
            stdout=subprocess.PIPE)
        self.agent_port = read_listening(self.peer)
        self.stub = self.procs.start("warnstub-" + phase, [
            self.a.warnstub, "--port=0", "--rate=%g" % warn_rate, "--token=" + SUB_TOKEN],
            stdout=subprocess.PIPE)
        self.sub_port = read_listening(self.stub)

    # ---- agents --------------------------------------------------------

    def start_server(self, phase, warn_rate):
        """A fresh broker (or stand-ins) per phase: what one phase left
        queued for the database must not slow the next one."""
        if self.a.standin:
            self.start_standins(phase, warn_rate)
        else:
            self.start_broker(phase)

    def stop_server(self):
        for p in [p for p in self.procs.procs if not p.name.startswith("agent-")]:
            self.procs.stop(p)

    def start_agents(self, phase):
        self.agent_ports, self.agent_metrics = [], []
        for k in range(AGENTS):
            udp, http = free_port(socket.SOCK_DGRAM), free_port()
            # A fresh spool: nothing of an earlier phase is replayed.
            spool = os.path.join(self.tmp, "agent-spool-%s-%d" % (phase, k + 1))
            os.makedirs(spool)
            # Freshness checks off: the BSMs are encoded before the run.
            p = self.procs.start("agent-%d" % (k + 1), [
                self.a.agent, "--config=/dev/null", "--id=bench-rsu-%d" % (k + 1),
                "--credential=" + AGENTS_TOKEN, "--broker=127.0.0.1:%d" % self.agent_port,
                "--listen=127.0.0.1:%d" % udp, "--metrics=127.0.0.1:%d" % http,
                "--spool-dir=" + spool, "--fsync=none", "--max-age=0", "--max-future=0",
                "--udp-rcvbuf=8M", "--log-level=warn"])
            self.agents.append(p)
            self.agent_ports.append(udp)
            self.agent_metrics.append(http)
        for p, http in zip(self.agents, self.agent_metrics):
            wait_http(http, p, p.name, timeout=30,
                      want=lambda t: metric_sum(t, "v2x_agent_broker_up") >= 1)

    def stop_agents(self):
        for p in self.agents:
            self.procs.stop(p)
        self.agents = []

    def agents_counter(self, name):
        total = 0.0
        for port in self.agent_metrics:
            try:
                total += metric_sum(http_get(port, "/metrics")[1], name)
            except OSError:
                pass
        return total

    # ---- the load ------------------------------------------------------

    def run_load(self, args, marks):
        """Runs v2x-load; calls marks[word]() when it prints 'v2x-load: word'."""
        p = subprocess.Popen([self.a.load] + args, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        err = []

        def watch():
            for line in p.stderr:
                err.append(line)
                word = line.strip().split(": ", 1)[-1]
                if word in marks:
                    marks[word]()
                elif word not in ("warm", "sent"):
                    sys.stderr.write(line)

        t = threading.Thread(target=watch)
        t.start()
        out = p.stdout.read()
        p.wait()
        t.join()
        if p.returncode != 0:
            raise RuntimeError("v2x-load %s failed (%d):\n%s%s" % (args[0], p.returncode,
                                                                    out, "".join(err)))
        return figures(out)

    def agents_load(self, subscribers, events_per_s, events_active):
        window = {}

        def mark(key):
            def f():
                window[key] = (time.monotonic(), self.agents_counter("v2x_agent_acked_seq"),
                               self.agents_counter("v2x_agent_udp_kernel_drops_total"))
            return f

        f = self.run_load([
            "agents", "--agents=" + ",".join("127.0.0.1:%d" % u for u in self.agent_ports),
            "--vehicles=%d" % self.vehicles, "--rate=%d" % RATE_HZ,
            "--duration=%ds" % self.duration, "--warmup=%ds" % self.warmup,
            "--events-per-s=%g" % events_per_s, "--events-active=%d" % events_active,
            "--subscribers=%d" % subscribers, "--sub-broker=127.0.0.1:%d" % self.sub_port,
            "--sub-account=" + SUB_ACCOUNT, "--sub-token=" + SUB_TOKEN, "--linger=1s"],
            {"warm": mark("warm"), "sent": mark("sent")})
        if "warm" in window and "sent" in window:
            (t0, a0, d0), (t1, a1, d1) = window["warm"], window["sent"]
            f["acked_per_s"] = (a1 - a0) / (t1 - t0) if t1 > t0 else 0
            f["kernel_drops"] = d1 - d0
        return f

    # ---- the phases ----------------------------------------------------

    def e2e(self):
        log("end to end: %d vehicles x %d Hz through %d agents, %d s"
            % (self.vehicles, RATE_HZ, AGENTS, self.duration))
        f = self.agents_load(1, 1, EVENTS_ACTIVE)
        put = self.fig.put
        put("e2e_p50_us", f.get("sub_p50_us"), "us")
        put("e2e_p99_us", f.get("sub_p99_us"), "us")
        put("e2e_p999_us", f.get("sub_p999_us"), "us")
        put("e2e_max_us", f.get("sub_max_us"), "us")
        put("e2e_rate_bsm_per_s", f.get("acked_per_s"), "msg/s")
        put("e2e_offered_bsm_per_s", f.get("load_offered_bsm_per_s"), "msg/s")
        put("e2e_warnings", f.get("sub_warnings"), "count")
        put("e2e_warnings_per_s", f.get("sub_warnings_per_s"), "msg/s", "%.1f")
        put("e2e_cancellations", f.get("sub_cancellations"), "count")
        put("e2e_agent_kernel_drops", f.get("kernel_drops"), "count")
        put("load_late_p99_us", f.get("load_late_p99_us"), "us")
        put("load_bsm_bytes", f.get("load_bsm_bytes"), "bytes", "%.1f")
        self.e2e_figs = f

    def fanout_events(self):
        """New events per second for FANOUT_TARGET warnings per second.

        The warnings come from the broker's hazard-ahead application: how
        many a new event raises depends on the vehicles it finds upstream.
        The end-to-end run (1 event/s) measured it; the fan-out run scales
        the event rate to it.
        """
        per_event = self.e2e_figs.get("sub_warnings_per_s") or 0
        if self.a.standin or per_event <= 0:
            return 10.0
        return min(50.0, max(0.5, FANOUT_TARGET / per_event))

    def fanout(self):
        events = self.fanout_events()
        log("fan-out: %d subscribers, %.2f new events/s" % (FANOUT_SUBSCRIBERS, events))
        f = self.agents_load(FANOUT_SUBSCRIBERS, events, EVENTS_ACTIVE)
        self.fig.put("fanout100_events_per_s", events, "event/s", "%.2f")
        subs = FANOUT_SUBSCRIBERS
        put = self.fig.put
        put("fanout100_p50_us", f.get("sub_p50_us"), "us")
        put("fanout100_p99_us", f.get("sub_p99_us"), "us")
        put("fanout100_p999_us", f.get("sub_p999_us"), "us")
        put("fanout100_warnings_per_s", f.get("sub_warnings_per_s", 0) / subs, "msg/s", "%.1f")
        put("fanout100_deliveries_per_s", f.get("sub_warnings_per_s"), "msg/s")
        put("fanout100_warning_bytes", f.get("sub_frame_bytes"), "bytes", "%.1f")
        put("fanout100_closed", f.get("sub_closed"), "count")
        self.fanout_figs = f

    def frames(self):
        log("broker only: %d fake agents, pre-encoded frames" % FRAME_CONNECTIONS)
        f = self.run_load([
            "frames", "--broker=127.0.0.1:%d" % self.agent_port,
            "--connections=%d" % FRAME_CONNECTIONS, "--token=" + FRAMES_TOKEN,
            "--id-prefix=bench-frames", "--vehicles=%d" % self.vehicles,
            "--duration=%ds" % (self.duration // 2), "--warmup=%ds" % self.warmup], {})
        self.fig.put("broker_ingest_per_s", f.get("broker_ingest_per_s"), "obs/s")
        self.fig.put("frames_bytes", f.get("frames_bytes"), "bytes", "%.1f")
        self.fig.put("frames_reconnects", f.get("frames_reconnects"), "count")
        self.frame_bytes = f.get("frames_bytes") or 160

    def mosquitto(self, name, rate, size, subscribers):
        if not self.a.mosquitto_bench:
            log("bench-mosquitto was not built (libmosquitto-dev): no baseline")
            return None
        rate = max(1.0, rate or 1.0)
        p = subprocess.run([self.a.mosquitto_bench, "--rate=%.0f" % rate,
                            "--size=%d" % max(16, int(size or 16)),
                            "--subscribers=%d" % subscribers,
                            "--duration=%ds" % self.duration, "--warmup=%ds" % self.warmup],
                           capture_output=True, text=True, timeout=self.duration + 60)
        if p.returncode == SKIP:
            log("mosquitto is not installed: no baseline")
            return None
        if p.returncode != 0:
            raise RuntimeError("bench-mosquitto failed:\n" + p.stdout + p.stderr)
        f = figures(p.stdout)
        put = self.fig.put
        put(name + "_p50_us", f.get("mosquitto_p50_us"), "us")
        put(name + "_p99_us", f.get("mosquitto_p99_us"), "us")
        put(name + "_p999_us", f.get("mosquitto_p999_us"), "us")
        put(name + "_rate_per_s", f.get("mosquitto_offered_per_s"), "msg/s")
        put(name + "_msg_bytes", f.get("mosquitto_msg_bytes"), "bytes")
        return f.get("mosquitto_p99_us")

    def phase(self, run, server=True, with_agents=True, warn_rate=0):
        """Runs one phase with a fresh broker (and agents); a failure is
        reported and the next phase runs."""
        name = run.__name__
        try:
            if server:
                self.start_server(name, warn_rate)
            if with_agents:
                self.start_agents(name)
            run()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log("%s failed: %s" % (name, e))
            for p in self.procs.procs:
                log("%s log ends:\n%s" % (p.name, Procs.tail(p)))
            self.failed.append(name)
        finally:
            self.stop_agents()
            self.stop_server()

    def ratio(self, name, ours, theirs):
        if ours is not None and theirs:
            self.fig.put(name, ours / theirs, "ratio", "%.3g")

    def all(self):
        if not self.a.standin:
            self.load_map(os.environ["V2X_PG_CONNINFO"])
        self.phase(self.frames, with_agents=False)
        self.phase(self.e2e, warn_rate=100)
        self.phase(self.fanout, warn_rate=FANOUT_TARGET)
        self.phase(self.baselines, server=False, with_agents=False)

    def baselines(self):
        """Mosquitto at the end-to-end and fan-out runs' sizes and rates."""
        e2e_rate = self.e2e_figs.get("load_offered_bsm_per_s")
        m = self.mosquitto("mosquitto", e2e_rate, self.frame_bytes, 1)
        self.ratio("e2e_p99_vs_mosquitto", self.e2e_figs.get("sub_p99_us"), m)
        fan = self.fanout_figs
        mf = self.mosquitto("mosquitto_fanout100", fan.get("sub_warnings_per_s", 0) /
                            FANOUT_SUBSCRIBERS, fan.get("sub_frame_bytes"),
                            FANOUT_SUBSCRIBERS)
        self.ratio("fanout100_p99_vs_mosquitto", fan.get("sub_p99_us"), mf)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--broker", help="v2x-broker (else --standin)")
    ap.add_argument("--standin", action="store_true",
                    help="no broker: v2x-wirepeer and the warning stub stand in")
    ap.add_argument("--load", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--map-tool", required=True)
    ap.add_argument("--with-postgis", required=True)
    ap.add_argument("--mosquitto-bench", default="")
    ap.add_argument("--warnstub", required=True)
    ap.add_argument("--wirepeer", required=True)
    ap.add_argument("--quick", action="store_true", help="1,000 vehicles, 8 s phases")
    ap.add_argument("--keep", action="store_true", help="keep the logs' folder")
    a = ap.parse_args()
    if not a.broker and not a.standin:
        ap.error("--broker PATH or --standin")
    return a


def main():
    a = parse_args()
    if not a.standin and "V2X_PG_CONNINFO" not in os.environ:
        # A private PostgreSQL+PostGIS for the run; it exits 77 without one.
        if not os.access(a.with_postgis, os.X_OK):
            log("%s is not built (ninja -C BUILD tests/with-postgis)" % a.with_postgis)
            sys.exit(1)
        os.execv(a.with_postgis, [a.with_postgis, "--log-level=warn", "--",
                                  sys.executable] + sys.argv)
    tmp = tempfile.mkdtemp(prefix="v2x-bench-")
    procs = Procs(tmp)
    rc = 1
    try:
        run = Run(a, tmp, procs)
        run.all()
        rc = 1 if run.failed else 0
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log("failed: %s" % e)
    finally:
        procs.stop_all()
        if a.keep or rc != 0:
            log("logs kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
