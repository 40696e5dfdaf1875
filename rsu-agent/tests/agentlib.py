"""What the agent's end-to-end tests share.

The tests start the real v2x-agent and the real test peer v2x-wirepeer (a
broker stand-in speaking the wire protocol) as processes, and talk to them
over real sockets: UDP datagrams in, observation lines out of the peer's
file, Prometheus text from the agent's /metrics.  Messages are encoded by
the real codec (v2x-codec encode) from the test field's sample messages.

Every test program takes the same arguments:

    TEST BUILD_DIR SOURCE_DIR VECTORS_DIR

and exits 0 (pass), 1 (fail) or 77 (skip).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77


class Fail(Exception):
    pass


def check(cond, what):
    """Fails the test with what (a string or a callable giving one)."""
    if not cond:
        raise Fail(what() if callable(what) else what)


def check_eq(got, want, what):
    if got != want:
        raise Fail(f"{what}: got {got!r}, want {want!r}")


def main(test):
    """Runs test(env) and turns its outcome into the exit status."""
    env = Env(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    try:
        test(env)
    except Fail as e:
        print(f"FAIL: {e}", file=sys.stderr)
        env.dump_logs()
        env.cleanup()
        sys.exit(1)
    except Skip as e:
        print(f"SKIP: {e}")
        env.cleanup()
        sys.exit(SKIP)
    except BaseException:
        env.dump_logs()
        env.cleanup()
        raise
    env.cleanup()
    print("PASS")


class Skip(Exception):
    pass


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Env:
    def __init__(self, build, source, vectors):
        self.build = build
        self.source = source
        self.vectors = vectors
        self.agent_bin = os.path.join(build, "rsu-agent", "agent", "v2x-agent")
        self.peer_bin = os.path.join(build, "tests", "wirepeer", "v2x-wirepeer")
        self.codec_bin = os.path.join(build, "codecs", "v2x-codec")
        self.tmp = tempfile.mkdtemp(prefix="v2x-agent-test-")
        self.procs = []
        self.logs = []

    def path(self, name):
        return os.path.join(self.tmp, name)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def dump_logs(self):
        for name in self.logs:
            try:
                text = open(name, errors="replace").read()
            except OSError:
                continue
            print(f"---- {os.path.basename(name)} (last 40 lines)", file=sys.stderr)
            print("\n".join(text.splitlines()[-40:]), file=sys.stderr)

    def spawn(self, argv, log_name, **kw):
        log = self.path(log_name)
        self.logs.append(log)
        f = open(log, "ab")
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", f), stderr=f, **kw)
        self.procs.append(p)
        return p

    # ---- codec ------------------------------------------------------------

    def samples(self):
        """The test field's sample messages as JSON objects, by type."""
        out = subprocess.run([self.codec_bin, "demo", "--json"], capture_output=True,
                             text=True, check=True).stdout
        found = {}
        for line in out.splitlines():
            if line.startswith("{"):
                m = json.loads(line)
                found.setdefault(m["type"], m)
        return found

    def encode(self, messages):
        """UPER bytes of each JSON message (None where the codec refused)."""
        text = "".join(json.dumps(m) + "\n" for m in messages)
        r = subprocess.run([self.codec_bin, "encode"], input=text, capture_output=True,
                           text=True)
        lines = r.stdout.split("\n")[: len(messages)]
        return [bytes.fromhex(h) if h else None for h in lines]

    def decode(self, frames):
        """The codec's JSON (or {"error": ...}) of each frame."""
        text = "".join(f.hex() + "\n" for f in frames)
        r = subprocess.run([self.codec_bin, "decode"], input=text, capture_output=True,
                           text=True)
        out = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
        for o in out:
            o.pop("line", None)
        return out

    # ---- peer and agent ----------------------------------------------------

    def start_peer(self, out, *extra, port=0, name="wirepeer"):
        p = self.spawn([self.peer_bin, f"--port={port}", "--out", out, *extra],
                       f"{name}.log", stdout=subprocess.PIPE)
        line = p.stdout.readline().decode()
        m = re.match(r"listening tcp \S+ (\d+)", line)
        check(m, f"wirepeer did not say where it listens: {line!r}")
        p.port = int(m.group(1))
        return p

    def stop_peer(self, p, sig=signal.SIGTERM):
        p.send_signal(sig)
        rest = p.stdout.read().decode()
        p.wait(timeout=10)
        return rest

    def start_agent(self, name, broker_port, *extra, listen=True, stdin=None,
                    spool=None, fresh_spool=True, wait_healthy=True):
        """Starts v2x-agent with a test's settings; returns the process with
        .udp (its UDP port, or None) and .metrics (its HTTP port)."""
        udp = free_port() if listen else None
        http = free_port(socket.SOCK_STREAM)
        spool = spool or self.path(f"{name}.spool")
        if fresh_spool:
            shutil.rmtree(spool, ignore_errors=True)
        argv = [self.agent_bin, "--config=/dev/null", f"--id={name}",
                f"--broker=127.0.0.1:{broker_port}",
                f"--listen=127.0.0.1:{udp}" if listen else "--listen=",
                f"--metrics=127.0.0.1:{http}", f"--spool-dir={spool}", "--fsync=none",
                "--heartbeat=200ms", "--timeout=1s", "--backoff-min=50ms",
                "--backoff-max=300ms", "--log-level=debug", *extra]
        p = self.spawn(argv, f"{name}.log", stdin=stdin)
        p.udp, p.http, p.spool, p.name = udp, http, spool, name
        if wait_healthy:
            self.wait_for(lambda: self.healthy(p), 10, f"agent {name} did not come up")
        return p

    def healthy(self, p):
        check(p.poll() is None, f"agent {p.name} exited with {p.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{p.http}/healthz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def metrics(self, p):
        """The agent's samples: {(name, frozenset of non-rsu labels): value}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{p.http}/metrics", timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$", line)
            if not m:
                continue
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            labels.pop("rsu", None)
            out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
        return out

    def metric(self, p, name, **labels):
        return self.metrics(p).get((name, frozenset(labels.items())), 0.0)

    def stop_agent(self, p, sig=signal.SIGTERM, timeout=15):
        p.send_signal(sig)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Fail(f"agent {p.name} did not stop within {timeout} s of signal {sig}")

    def wait_for(self, pred, seconds, what):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.02)
        check(pred(), what)

    # ---- traffic -----------------------------------------------------------

    def send_udp(self, port, datagrams, rate=None):
        """Sends each datagram to 127.0.0.1:port, at rate per second when given."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        start = time.monotonic()
        for i, d in enumerate(datagrams):
            if rate:
                due = start + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            s.sendto(d, ("127.0.0.1", port))
        s.close()


def read_obs(path):
    """The observation lines the peer wrote (a missing file has none)."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def msg_of(line):
    """The codec JSON of an observation line, without keys decode adds."""
    m = dict(line["msg"])
    m.pop("file", None)
    m.pop("line", None)
    return m


def bsm_id_number(line):
    """The number a test put in a BSM's id (big-endian)."""
    m = msg_of(line)
    return int(m[m["type"]]["id"], 16)


def sec_mark(wall_s):
    """DSecond of a wall time: ms within the minute, in seconds."""
    return round((wall_s % 60.0) * 1000) / 1000.0


def numbered_bsms(env, template, numbers, sec_mark_s=None, **fields):
    """Encodes a BSM per number, with the number as its id and msgCnt."""
    msgs = []
    for n in numbers:
        m = json.loads(json.dumps(template))
        b = m["bsm"]
        b["id"] = f"{n:016x}"
        b["msg_cnt"] = n % 128
        b["sec_mark_s"] = sec_mark(time.time()) if sec_mark_s is None else sec_mark_s
        b.update(fields)
        msgs.append(m)
    frames = env.encode(msgs)
    check(all(frames), "the codec refused a test BSM")
    return frames


# ---- pcap ----------------------------------------------------------------------

def pcap_write(env, path, records, dst_port, link="ethernet"):
    """Writes records [(ts_s, payload)] with libpcap (the pcap-write helper)
    as UDP 127.0.0.1:40000 -> 127.0.0.1:dst_port."""
    text = "".join(f"{int(round(ts * 1e6))} {p.hex()}\n" for ts, p in records)
    helper = os.path.join(env.build, "rsu-agent", "tests", "pcap-write")
    r = subprocess.run([helper, path, str(dst_port), link], input=text, capture_output=True,
                       text=True)
    check(r.returncode == 0, f"pcap-write: {r.stderr.strip()}")

def same_json(a, b, path="$"):
    """None when a and b are the same JSON value, numbers compared to 12
    significant digits (the codec's tool prints 15, the peer all 17), else
    where and how they differ."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return None if a is b or a == b else f"{path}: {a!r} != {b!r}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b)):
            return None
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a.keys() ^ b.keys())} differ"
        for k in a:
            d = same_json(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same_json(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"
