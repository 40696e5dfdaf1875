"""Malformed input by UDP: random bytes, truncated frames, oversize
datagrams, and vendor framing whose lengths lie.  The agent stays up,
counts each case exactly, and still forwards the good message sent last.

The expected counts come from the codec itself (v2x-codec decode of the
same bytes), not from assumptions about which random bytes decode."""

import random
import signal
import struct
import time

import agentlib as t


def vendor(rsu, ts_ms, body):
    return rsu.ljust(8, b"\0") + struct.pack("<q", ts_ms) + body


def test(env):
    rng = random.Random(20261126)
    bsm = env.samples()["bsm"]
    good = t.numbered_bsms(env, bsm, [1, 2, 3])

    randoms = [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
               for _ in range(200)]
    truncated = [good[0][: rng.randint(1, len(good[0]) - 1)] for _ in range(50)]
    judged = env.decode(randoms + truncated)
    fails = sum(1 for j in judged if "error" in j)
    passes = len(judged) - fails

    out = env.path("obs.jsonl")
    peer = env.start_peer(out)
    raw = env.start_agent("rsu-raw", peer.port, "--max-datagram=2048", "--max-age=0",
                          "--max-future=0", "--max-age-moy=0", "--dup-window=0",
                          "--max-speed=0", "--max-accel=0")
    env.send_udp(raw.udp, randoms + truncated, rate=5000)
    oversize = [bytes(rng.getrandbits(8) for _ in range(n)) for n in (2049, 4000, 60000)]
    env.send_udp(raw.udp, oversize)
    env.send_udp(raw.udp, [good[0]])
    total = len(randoms) + len(truncated) + len(oversize) + 1
    env.wait_for(lambda: env.metric(raw, "v2x_agent_received_total") >= total, 10,
                 lambda: f"received {env.metric(raw, 'v2x_agent_received_total')} of {total}")
    t.check(env.healthy(raw), "raw agent not healthy after malformed input")
    t.check_eq(env.metric(raw, "v2x_agent_framing_errors_total", cause="TOO_BIG"), 3.0,
               "oversize datagrams")
    t.check_eq(env.metric(raw, "v2x_agent_udp_oversize_total"), 2.0,
               "datagrams cut by the receive buffer (above 2049 bytes)")
    t.check_eq(env.metric(raw, "v2x_agent_decode_failed_total"), float(fails),
               "decode failures (as the codec judges the same bytes)")
    env.wait_for(lambda: len(t.read_obs(out)) >= passes + 1, 10, "forwarded")
    obs = t.read_obs(out)
    t.check_eq(len(obs), passes + 1, "observations (random bytes that decode, the good one)")
    t.check_eq(t.bsm_id_number(obs[-1]), 1, "the good message after the garbage")

    # Vendor framing with lengths that lie.
    vend = env.start_agent("rsu-vendor", peer.port, "--framing=vendor",
                           "--vendor-layout=list", "--max-age=0", "--max-future=0",
                           "--max-age-moy=0", "--dup-window=0")
    now_ms = int(time.time() * 1000)
    g1, g2, g3 = good
    cases = [
        # (datagram, frames usable, framing error cause)
        (vendor(b"R1", now_ms, struct.pack("<H", len(g1) + 50) + g1), 0, "TRUNCATED"),
        (vendor(b"R1", now_ms, struct.pack("<H", len(g1)) + g1 +
                struct.pack("<H", 0) + g2), 1, "MALFORMED"),
        (vendor(b"R1", now_ms, struct.pack("<H", len(g1)) + g1 +
                struct.pack("<H", 60000) + g2), 1, "TOO_BIG"),
        (vendor(b"R1", now_ms, struct.pack("<H", len(g2)) + g2 + b"\x07"), 1, "TRAILING"),
        (vendor(b"R1", now_ms, b""), 0, "TRUNCATED"),
        (b"R1short", 0, "TRUNCATED"),
    ]
    for d, _, _ in cases:
        env.send_udp(vend.udp, [d])
    env.send_udp(vend.udp, [vendor(b"R1", now_ms, struct.pack("<H", len(g3)) + g3)])
    usable = sum(c[1] for c in cases) + 1
    want_causes = {}
    for _, _, cause in cases:
        want_causes[cause] = want_causes.get(cause, 0) + 1
    env.wait_for(lambda: env.metric(vend, "v2x_agent_emitted_total", type="bsm") >= usable,
                 10, lambda: f"vendor: {env.metric(vend, 'v2x_agent_emitted_total', type='bsm')}"
                 f" emitted, want {usable}")
    for cause, n in want_causes.items():
        t.check_eq(env.metric(vend, "v2x_agent_framing_errors_total", cause=cause), float(n),
                   f"vendor framing errors {cause}")
    t.check(env.healthy(vend), "vendor agent not healthy")
    env.wait_for(lambda: len(t.read_obs(out)) >= passes + 1 + usable, 10, "vendor forwarded")
    vobs = [o for o in t.read_obs(out) if o["agent"] == "rsu-vendor"]
    t.check_eq([o["rsu_id"] for o in vobs], ["R1"] * usable, "vendor rsu ids")
    t.check_eq([t.bsm_id_number(o) for o in vobs], [1, 1, 2, 3], "vendor frames kept")
    # A flood while the agent is stopped overflows its socket's receive
    # buffer: what the kernel drops is counted too, so that received plus
    # dropped is what was sent.
    flood = env.start_agent("rsu-flood", peer.port, "--udp-rcvbuf=16k", "--max-age=0",
                            "--max-future=0", "--dup-window=0")
    flood.send_signal(signal.SIGSTOP)
    n_flood = 3000
    env.send_udp(flood.udp, [good[1]] * n_flood)
    flood.send_signal(signal.SIGCONT)
    env.wait_for(lambda: env.metric(flood, "v2x_agent_received_total") +
                 env.metric(flood, "v2x_agent_udp_kernel_drops_total") >= n_flood, 10,
                 "flood not accounted for")
    time.sleep(0.2)
    got_flood = env.metric(flood, "v2x_agent_received_total")
    drops = env.metric(flood, "v2x_agent_udp_kernel_drops_total")
    t.check(drops > 0, "no kernel drops counted for a flood into a 16k buffer")
    t.check_eq(got_flood + drops, float(n_flood), "received + kernel drops")
    t.check_eq(env.stop_agent(flood), 0, "flood agent exit")
    t.check_eq(env.stop_agent(raw), 0, "raw agent exit")
    t.check_eq(env.stop_agent(vend), 0, "vendor agent exit")
    env.stop_peer(peer)
    print(f"random+truncated: {fails} refused, {passes} decoded; vendor cases {want_causes}; "
          f"flood of {n_flood}: {got_flood:.0f} received, {drops:.0f} dropped by the kernel")


t.main(test)
