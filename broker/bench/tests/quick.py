#!/usr/bin/python3
"""Quick checks of the broker's benchmark tools against stand-ins.

    quick.py load V2X_LOAD WARNSTUB WIREPEER
    quick.py mosquitto BENCH_MOSQUITTO      (exit 77 when it was not built
                                             or mosquitto is not installed)

load: every tool's --help and bad command lines; v2x-load frames for 2 s
against v2x-wirepeer, which acknowledges what it stores (the figures add
up with what the peer says it received), and against a peer that drops
connections (the fake agents reconnect and resend nothing twice); v2x-load subscribe against the
warning stub (every warning arrives, latencies are sane, a wrong
credential is refused).  mosquitto: bench-mosquitto for 1 s; every message
is delivered to both subscribers and the latencies are sane.
"""
import os
import subprocess
import sys
import tempfile

SKIP = 77


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg)


def figures(text):
    """The `name: value unit` lines of text, as {name: float}."""
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


def run(args, timeout=60):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    return p


def start_listener(args):
    """Starts a stand-in that prints 'listening tcp 127.0.0.1 PORT' first."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    if len(line) != 4 or line[0] != "listening":
        p.kill()
        fail("%s did not say where it listens: %r" % (args[0], line))
    return p, "127.0.0.1:" + line[3]


def stop(p):
    p.terminate()
    out, _ = p.communicate(timeout=10)
    return p.returncode, out


def check_help(tool):
    p = run([tool, "--help"])
    check(p.returncode == 0 and "usage" in p.stdout.lower(),
          "%s --help" % os.path.basename(tool))


def load_usage(load):
    check(run([load]).returncode == 2, "v2x-load without a mode: exit 2")
    check(run([load, "agents"]).returncode == 2, "v2x-load agents without --agents: exit 2")
    p = run([load, "subscribe", "--subscribers=1", "--sub-broker=nonsense"])
    check(p.returncode == 1 and "HOST:PORT" in p.stderr,
          "v2x-load with a bad address says what it expected")


def frames(load, wirepeer):
    out = os.path.join(os.getcwd(), "peer.jsonl")
    peer, addr = start_listener([wirepeer, "--port=0", "--out=" + out, "--log-level=warn"])
    p = run([load, "frames", "--broker=" + addr, "--connections=2", "--vehicles=200",
             "--duration=2s", "--warmup=500ms", "--window=2000", "--token=t"])
    rc, summary = stop(peer)
    f = figures(p.stdout)
    check(p.returncode == 0, "v2x-load frames against v2x-wirepeer: exit 0")
    check(f.get("broker_ingest_per_s", 0) > 1000,
          "broker_ingest_per_s %s > 1000" % f.get("broker_ingest_per_s"))
    check(0 < f.get("frames_acked", 0) <= f.get("frames_sent", 0),
          "0 < acked %s <= sent %s" % (f.get("frames_acked"), f.get("frames_sent")))
    check(f.get("frames_closed") == 0, "no connection closed")
    check(60 < f.get("frames_bytes", 0) < 400, "frames of %s bytes" % f.get("frames_bytes"))
    # The ingest rate is what was acknowledged over the measured time.
    measured = f.get("frames_measured_s", 0)
    check(1.3 < measured < 2.2, "measured %s s of a 2 s run after a 0.5 s warm-up" % measured)
    check(f["broker_ingest_per_s"] * measured <= f["frames_acked"],
          "the measured acknowledgements are among all of them")
    words = summary.split()
    check(rc == 0 and len(words) >= 6 and words[0] == "observations",
          "v2x-wirepeer summary: %r" % summary.strip())
    stored, dups, conns = int(words[1]), int(words[3]), int(words[5])
    check(f["frames_acked"] <= stored <= f["frames_sent"],
          "acked %d <= stored %d <= sent %d" % (f["frames_acked"], stored, f["frames_sent"]))
    check(dups == 0 and conns == 2, "no duplicate, 2 connections")


def frames_reconnect(load, wirepeer):
    """A peer that drops each connection after 3,000 observations: the fake
    agents reconnect and go on from the seq the peer says it stored."""
    out = os.path.join(os.getcwd(), "peer-drops.jsonl")
    peer, addr = start_listener([wirepeer, "--port=0", "--out=" + out, "--log-level=error",
                                 "--close-after=3000"])
    p = run([load, "frames", "--broker=" + addr, "--connections=1", "--vehicles=100",
             "--duration=1500ms", "--warmup=200ms", "--window=500", "--token=t"])
    rc, summary = stop(peer)
    f = figures(p.stdout)
    words = summary.split()
    check(p.returncode == 0 and f.get("frames_reconnects", 0) >= 1,
          "closed %s times, reconnected %s times" % (f.get("frames_closed"),
                                                     f.get("frames_reconnects")))
    check(rc == 0 and len(words) >= 6 and int(words[3]) == 0,
          "no observation sent twice after a reconnect: %r" % summary.strip())
    check(int(words[1]) >= f.get("frames_acked", 0) > 3000,
          "stored %s >= acked %s > 3000" % (words[1], f.get("frames_acked")))


def subscribe(load, warnstub):
    stub, addr = start_listener([warnstub, "--port=0", "--rate=500", "--token=s3"])
    p = run([load, "subscribe", "--sub-broker=" + addr, "--subscribers=3", "--sub-token=s3",
             "--duration=2s", "--warmup=500ms", "--linger=0", "--sub-types=hazard_ahead"])
    bad = run([load, "subscribe", "--sub-broker=" + addr, "--subscribers=1",
               "--sub-token=wrong", "--duration=1s"])
    rc, summary = stop(stub)
    f = figures(p.stdout)
    check(p.returncode == 0, "v2x-load subscribe against the stub: exit 0")
    # 3 subscribers x 500 warnings/s x 1.5 s measured.
    check(1800 < f.get("sub_warnings", 0) < 2700, "sub_warnings %s ~ 2250" %
          f.get("sub_warnings"))
    check(1200 < f.get("sub_warnings_per_s", 0) < 1800,
          "sub_warnings_per_s %s ~ 1500" % f.get("sub_warnings_per_s"))
    check(0 <= f.get("sub_p50_us", -1) <= f.get("sub_p99_us", -1) <=
          f.get("sub_p999_us", -1) <= f.get("sub_max_us", -1) < 1e6,
          "p50 <= p99 <= p99.9 <= max < 1 s")
    check(f.get("sub_closed") == 0 and f.get("sub_missing_trigger") == 0,
          "no subscriber closed, every warning has its trigger time")
    check(80 < f.get("sub_frame_bytes", 0) < 300, "warnings of %s bytes" %
          f.get("sub_frame_bytes"))
    check(bad.returncode == 1 and "refused" in bad.stderr, "a wrong credential is refused")
    check(rc == 0 and summary.startswith("warnings "), "stub summary: %r" % summary.strip())


def main_load(load, warnstub, wirepeer):
    check_help(load)
    check_help(warnstub)
    load_usage(load)
    frames(load, wirepeer)
    frames_reconnect(load, wirepeer)
    subscribe(load, warnstub)


def main_mosquitto(bench):
    if not bench:
        print("bench-mosquitto was not built (libmosquitto-dev missing): skipped")
        sys.exit(SKIP)
    check_help(bench)
    p = run([bench, "--rate=1000", "--size=120", "--subscribers=2", "--duration=1s",
             "--warmup=200ms"])
    if p.returncode == SKIP:
        sys.exit(SKIP)
    f = figures(p.stdout)
    check(p.returncode == 0, "bench-mosquitto: exit 0")
    check(f.get("mosquitto_delivered_ratio", 0) >= 0.99,
          "delivered ratio %s >= 0.99" % f.get("mosquitto_delivered_ratio"))
    check(1500 < f.get("mosquitto_delivered_per_s", 0) < 2500,
          "2 subscribers x 1000 msg/s: %s" % f.get("mosquitto_delivered_per_s"))
    check(0 < f.get("mosquitto_p50_us", 0) <= f.get("mosquitto_p99_us", 0) < 1e6,
          "0 < p50 <= p99 < 1 s")
    check(f.get("mosquitto_errors") == 0 and f.get("mosquitto_msg_bytes") == 120,
          "no error, 120-byte messages")


def main():
    # meson passes the programs relative to the build folder.
    sys.argv[2:] = [os.path.abspath(a) if a else a for a in sys.argv[2:]]
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        if len(sys.argv) == 5 and sys.argv[1] == "load":
            main_load(*sys.argv[2:])
        elif len(sys.argv) == 3 and sys.argv[1] == "mosquitto":
            main_mosquitto(sys.argv[2])
        else:
            fail("usage: quick.py load LOAD WARNSTUB WIREPEER | mosquitto BENCH")


if __name__ == "__main__":
    main()
