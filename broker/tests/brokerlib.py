"""What the broker's end-to-end tests share.

The tests run under tests/with-postgis (V2X_PG_CONNINFO names a private
PostgreSQL+PostGIS), load the generated test field with the real
`v2x-map load`, and start the real v2x-broker, real v2x-agent processes and
real v2x-sub subscribers over real sockets.  Vehicles are BSMs encoded by
the real codec at positions along the test field's lanes (the lanepos
helper gives them), sent by UDP to the agents.

Every test program takes: TEST BUILD_DIR SOURCE_DIR [VECTORS_DIR], and
exits 0 (pass), 1 (fail) or 77 (skip).
"""
import json
import math
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "rsu-agent", "tests"))
import agentlib  # noqa: E402
from agentlib import Fail, Skip, check, check_eq, free_port, sec_mark  # noqa: E402,F401

WARNING_TYPES = ["unspecified", "curve_speed", "blind_curve_oncoming", "hazard_ahead",
                 "forward_collision", "steep_downgrade", "speed_limit", "red_light_violation"]


def main(test, own_cluster=False):
    """Runs test(BrokerEnv); with own_cluster, on a cluster of the test's
    own (Cluster) instead of with-postgis's, removed afterwards."""
    def run(env):
        if not own_cluster:
            test(BrokerEnv(env))
            return
        cluster = Cluster(env)
        try:
            test(BrokerEnv(env, cluster))
        finally:
            for p in env.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            cluster.close()
    agentlib.main(run)


class BrokerEnv:
    """The agent tests' Env, plus the broker, the map and subscribers."""

    def __init__(self, env, cluster=None):
        self.env = env
        self.cluster = cluster
        b = env.build
        self.broker_bin = os.path.join(b, "broker", "main", "v2x-broker")
        self.sub_bin = os.path.join(b, "broker", "client", "v2x-sub")
        self.map_bin = os.path.join(b, "maps", "v2x-map")
        self.lanepos_bin = os.path.join(b, "broker", "tests", "lanepos")
        self.conninfo = cluster.conninfo if cluster else os.environ.get("V2X_PG_CONNINFO")
        if not self.conninfo:
            raise Skip("no database: run under tests/with-postgis")
        self._samples = None

    def __getattr__(self, name):
        return getattr(self.env, name)

    # ---- database ----------------------------------------------------------

    def load_map(self):
        r = subprocess.run([self.map_bin, "load", f"--db={self.conninfo}"],
                           capture_output=True, text=True)
        check(r.returncode == 0, lambda: f"v2x-map load: {r.stderr.strip()}")
        return r.stdout

    def psql(self, sql):
        """Runs sql with psql on the test database; returns the rows as
        lists of strings (unaligned, '|' separated)."""
        r = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo,
                            "-c", sql], capture_output=True, text=True)
        check(r.returncode == 0, lambda: f"psql {sql!r}: {r.stderr.strip()}")
        return [line.split("|") for line in r.stdout.splitlines() if line]

    # ---- broker ------------------------------------------------------------

    def credentials(self, lines):
        path = self.path("credentials")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start_broker(self, creds, *extra, name="broker", spool=None, env=None):
        agents, subs, http = (free_port(agentlib.socket.SOCK_STREAM) for _ in range(3))
        spool = spool or self.path(f"{name}.spool")
        argv = [self.broker_bin, "--config=/dev/null", f"--db={self.conninfo}",
                f"--credentials={creds}", f"--listen-agents=127.0.0.1:{agents}",
                f"--listen-subscribers=127.0.0.1:{subs}", f"--metrics=127.0.0.1:{http}",
                f"--spool-dir={spool}", "--heartbeat=200ms", "--timeout=2s",
                "--log-level=debug", *extra]
        p = self.spawn(argv, f"{name}.log", **({"env": env} if env else {}))
        p.agents, p.subs, p.http, p.name, p.spool = agents, subs, http, name, spool
        self.wait_for(lambda: self.healthy(p), 30, f"{name} did not come up")
        return p

    def gauge(self, p, name, **labels):
        """A sample that must exist (env.metric reads a missing one as 0)."""
        key = (name, frozenset(labels.items()))
        samples = self.env.metrics(p)
        check(key in samples, f"{p.name} has no metric {name}{labels or ''}")
        return samples[key]

    def stop_broker(self, p, timeout=30):
        return self.env.stop_agent(p, timeout=timeout)

    def start_sub(self, broker, out, *filters, sub_id="ops", token="tok-ops", name=None,
                  unix=None):
        argv = [self.sub_bin, f"--id={sub_id}", f"--token={token}", *filters]
        argv.insert(1, f"--unix={unix}" if unix else f"--broker=127.0.0.1:{broker.subs}")
        f = open(out, "ab")
        p = self.spawn(argv, f"{name or sub_id}.sub.log", stdout=f)
        p.out = out
        return p

    # ---- vehicles ----------------------------------------------------------

    def lanepos(self, points):
        """[(lane, s)] -> [(lat, lon, z, heading)] on the test field."""
        text = "".join(f"{lane} {s}\n" for lane, s in points)
        r = subprocess.run([self.lanepos_bin], input=text, capture_output=True, text=True)
        check(r.returncode == 0, lambda: f"lanepos: {r.stderr.strip()}")
        out = []
        for line in r.stdout.splitlines():
            check(not line.startswith("error"), f"lanepos: no such lane position: {line}")
            out.append(tuple(float(v) for v in line.split()))
        return out

    def samples(self):
        if self._samples is None:
            self._samples = self.env.samples()
        return self._samples

    def bsm(self, vid, pos, speed, cnt, when):
        """A BSM JSON of vehicle number vid at pos (lat, lon, z, heading)."""
        m = json.loads(json.dumps(self.samples()["bsm"]))
        b = m["bsm"]
        b["id"] = f"{vid:016x}"
        b["msg_cnt"] = cnt % 128
        b["sec_mark_s"] = sec_mark(when)
        b["pos"] = {"lat_deg": pos[0], "lon_deg": pos[1], "elev_m": round(pos[2], 1)}
        b["speed_mps"] = speed
        b["heading_deg"] = round(pos[3] / 0.0125) * 0.0125 % 360.0
        b.pop("safety_ext", None)
        return m

    def rsi(self, rsi_id, rte_id, event_type, pos, radius, start, end=None, cnt=1):
        """An RSI JSON with one traffic event at pos (lat, lon, z, _), from
        wall time start to end (None: open); cnt is its msgCnt, which an
        RSU steps at each broadcast (the agent drops repeats of one)."""
        m = json.loads(json.dumps(self.samples()["rsi"]))
        r = m["rsi"]
        r["id"] = rsi_id
        r["msg_cnt"] = cnt % 128
        r["moy_s"] = moy(time.time())
        r["ref_pos"] = {"lat_deg": pos[0], "lon_deg": pos[1], "elev_m": round(pos[2], 1)}
        rte = r["rtes"][0]
        rte["id"] = rte_id
        rte["event_type"] = event_type
        # The event's own position, at the reference position's height.
        rte["pos"] = {"ll_enc": "b12", "dlat_deg": 0.0, "dlon_deg": 0.0,
                      "lat_deg": pos[0], "lon_deg": pos[1], "v_enc": "none"}
        rte["radius_m"] = radius
        rte.pop("paths", None)
        rte["time"] = {"start_moy_s": moy(start)}
        if end is not None:
            rte["time"]["end_moy_s"] = moy(end)
        r["rtes"] = [rte]
        r.pop("rtss", None)
        return m


def moy(wall_s):
    """MinuteOfTheYear of a wall time, as seconds since the year's start
    (whole minutes, as the message carries it)."""
    t = time.gmtime(wall_s)
    start = time.mktime((t.tm_year, 1, 1, 0, 0, 0, 0, 0, 0)) - time.timezone
    return math.floor((wall_s - start) / 60.0) * 60.0


def rsi_repeats(env, rsi_id, rte_id, event_type, pos, radius, times):
    """[(t, UPER)] of an RSI broadcast at each wall time of times, its
    msgCnt stepped each time."""
    frames = env.encode([env.rsi(rsi_id, rte_id, event_type, pos, radius, ts - 60, cnt=k)
                         for k, ts in enumerate(times)])
    check(all(frames), "the codec refused a test RSI")
    return list(zip(times, frames))


# ---- frames written by hand ------------------------------------------------
# protobuf's encoding, so that tests do not trust the project's own encoder
# for what they send.

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    """A field: wire 0 a varint, 2 length-delimited bytes."""
    key = varint(num << 3 | wire)
    return key + (varint(payload) if wire == 0 else varint(len(payload)) + payload)


def frame(num, body):
    """A length-prefixed Frame whose alternative num holds body."""
    f = field(num, 2, body)
    return varint(len(f)) + f


def hello(role, ident, token):
    """The Hello frame of role (1 agent, 2 subscriber), protocol version 1."""
    return frame(1, field(1, 0, role) + field(2, 2, ident.encode()) +
                 field(3, 2, token.encode()) + field(4, 0, 1))


def read_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]
    except FileNotFoundError:
        return []


def distance_m(a, b):
    """Straight-line distance of two (lat, lon, z, ...) positions, metres."""
    k = 111320.0
    dy = (a[0] - b[0]) * k
    dx = (a[1] - b[1]) * k * math.cos(math.radians(a[0]))
    return math.sqrt(dx * dx + dy * dy + (a[2] - b[2]) ** 2)


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


class Cluster:
    """A PostgreSQL+PostGIS cluster the test stops and starts at will
    (pg_ctl), in a folder of its own; as root, run as the system user
    postgres.  conninfo reaches it over a unix socket in the folder."""

    BIN = os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin")

    def __init__(self, env):
        import shutil
        import tempfile
        if not os.path.exists(os.path.join(self.BIN, "pg_ctl")):
            raise Skip(f"no PostgreSQL in {self.BIN}")
        self.dir = tempfile.mkdtemp(prefix="v2x-pg-", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.conninfo = f"host={self.dir} port=5432 dbname=postgres user=postgres"
        env.logs.append(os.path.join(self.dir, "server.log"))
        self._run(["initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--locale=C", "--no-sync", "--no-instructions"])
        self.start()
        r = subprocess.run(["psql", "-XAtq", "-d", self.conninfo, "-c",
                            "CREATE EXTENSION IF NOT EXISTS postgis"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.close()
            raise Skip(f"no PostGIS: {r.stderr.strip()}")

    def _run(self, argv):
        argv = [os.path.join(self.BIN, argv[0])] + argv[1:]
        if self.root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, lambda: f"{' '.join(argv)}: {r.stderr.strip()}")

    def start(self):
        self._run(["pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                   "-w", "-o", f"-k {self.dir} -p 5432 --listen_addresses= --fsync=off",
                   "start"])

    def stop(self, mode="fast"):
        self._run(["pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def close(self):
        import shutil
        try:
            self.stop("immediate")
        except Fail:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
