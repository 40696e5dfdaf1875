"""A slow consumer under load: the real broker, two real agents fed by
v2x-load (500 vehicles at 10 Hz on the test field, rockfall events raising
warnings), three subscribers of v2x-load measuring every warning's
latency, and one subscriber that stops reading for 30 s (a raw socket
with a small receive buffer, so that the kernel's buffers do not absorb
the whole stall).

- drop-oldest (the default): the others' p99 latency stays within 2x of
  the runs without the stalled subscriber (one before, one after), the
  broker's memory stays bounded, the stalled subscriber's queue drops its
  oldest frames (counted) and it is still served once it reads again;
- disconnect: the stalled subscriber is closed for being slow, counted.
"""
import os
import socket
import time

import brokerlib as t

VEHICLES = 500
STALL_S = 30


def rss_kib(p):
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise t.Fail("no VmRSS")


def load(env, broker, agents, seconds):
    """Runs v2x-load for seconds; returns its figures."""
    argv = [os.path.join(env.build, "broker", "bench", "v2x-load"), "agents",
            f"--vehicles={VEHICLES}", f"--duration={seconds}s", "--warmup=2s",
            "--agents=" + ",".join(f"127.0.0.1:{a.udp}" for a in agents), "--events-per-s=2",
            "--subscribers=3", f"--sub-broker=127.0.0.1:{broker.subs}", "--sub-account=ops",
            "--sub-token=tok-ops"]
    r = t.subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    t.check(r.returncode == 0, lambda: f"v2x-load: {r.stderr.strip()[-2000:]}")
    figures = {}
    for line in r.stdout.splitlines():
        name, _, rest = line.partition(": ")
        if rest:
            figures[name] = float(rest.split()[0])
    t.check(figures.get("sub_warnings", 0) > 500,
            lambda: f"too few warnings to measure: {figures.get('sub_warnings')}")
    t.check_eq(figures.get("sub_closed"), 0.0, "measuring subscribers closed")
    return figures


def stalled_subscriber(broker):
    """A subscriber to every warning that then reads nothing: Hello and
    Subscribe written by hand (protobuf's encoding), receive buffer 4 KiB."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", broker.subs))
    s.sendall(t.hello(2, "ops", "tok-ops") + t.frame(6, t.field(1, 0, 1)))
    return s


def reads_again(s, seconds):
    """Bytes read within seconds; fails on the broker closing it."""
    s.settimeout(0.5)
    got, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            n = len(s.recv(65536))
        except socket.timeout:
            continue
        t.check(n > 0, "the broker closed the stalled subscriber under drop-oldest")
        got += n
    return got


def start(env, creds, name, policy):
    # The broker's memory is measured: a small database queue, whose pages
    # are all touched early, and in the AddressSanitizer build no
    # quarantine (256 MiB by default) of freed memory, which would show as
    # growth.
    san = dict(os.environ)
    if "ASAN_OPTIONS" in san:
        san["ASAN_OPTIONS"] += ":quarantine_size_mb=0"
    broker = env.start_broker(creds, f"--slow-policy={policy}", "--queue-frames=128",
                              "--queue-bytes=64k", "--socket-sndbuf=32k", "--timeout=60s",
                              "--heartbeat=1s", "--persist-queue=4M", name=name, env=san)
    agents = [env.start_agent(f"ld-{k}", broker.agents, "--credential=tok-load",
                              "--max-age=0", "--max-future=0", "--max-age-moy=0",
                              "--fsync=none", "--timeout=10s") for k in (1, 2)]
    return broker, agents


def stop(env, broker, agents):
    for a in agents:
        t.check_eq(env.stop_agent(a), 0, "agent exit")
    t.check_eq(env.stop_broker(broker), 0, "broker exit status")


def test(env):
    env.load_map()
    creds = env.credentials(["agent tok-load ld-1,ld-2", "subscriber tok-ops ops"])

    broker, agents = start(env, creds, "broker-drop", "drop-oldest")
    base1 = load(env, broker, agents, 12)

    slow = stalled_subscriber(broker)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 1, 10,
                 "the slow subscriber did not subscribe")
    drops0 = env.gauge(broker, "v2x_broker_conn_queue_drops_total")
    rss0 = rss_kib(broker)
    stalled = load(env, broker, agents, STALL_S + 2)
    rss1 = rss_kib(broker)
    drops1 = env.gauge(broker, "v2x_broker_conn_queue_drops_total")
    got_slow = reads_again(slow, 2.0)
    base2 = load(env, broker, agents, 12)
    slow.close()
    stop(env, broker, agents)

    base_p99 = max(base1["sub_p99_us"], base2["sub_p99_us"])
    t.check(stalled["sub_p99_us"] <= 2 * base_p99,
            f"the others' p99 with a stalled subscriber: {stalled['sub_p99_us']:.0f} us, "
            f"more than 2x the runs without it ({base1['sub_p99_us']:.0f}, "
            f"{base2['sub_p99_us']:.0f} us)")
    t.check(drops1 > drops0, "the stalled subscriber's queue dropped nothing")
    t.check(rss1 - rss0 < 16 * 1024,
            f"the broker grew by {(rss1 - rss0) / 1024:.1f} MiB while a subscriber stalled")
    t.check(got_slow > 0, "the stalled subscriber got nothing once it read again")

    # The same with --slow-policy=disconnect: the stalled one is closed.
    broker, agents = start(env, creds, "broker-disconnect", "disconnect")
    slow = stalled_subscriber(broker)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 1, 10,
                 "the slow subscriber did not subscribe")
    load(env, broker, agents, 10)
    closed = env.metric(broker, "v2x_broker_conn_closes_total", reason="slow_consumer")
    t.check(closed >= 1, "the stalled subscriber was not disconnected under disconnect")
    slow.close()
    stop(env, broker, agents)
    print(f"others' p99: {base1['sub_p99_us']:.0f} us and {base2['sub_p99_us']:.0f} us without "
          f"a stalled subscriber, {stalled['sub_p99_us']:.0f} us with one stalled {STALL_S} s "
          f"({stalled['sub_warnings_per_s']:.0f} warnings/s each); {drops1 - drops0:.0f} frames "
          f"dropped from its queue; broker RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB; "
          f"disconnect policy: closed as slow")


t.main(test)
