"""A capture replay delivers the same observations as live UDP.

The test sends BSMs to one agent by UDP and, as it sends them, writes the
same datagrams with their send times into a capture; a second agent
replays that capture (as fast as it can, then at the recorded pace).  The
peer must hold the same messages from each, in the same order."""

import time

import agentlib as t


def test(env):
    bsm = env.samples()["bsm"]
    out_live, out_fast, out_paced = (env.path(n) for n in ("live.jsonl", "fast.jsonl",
                                                            "paced.jsonl"))
    peer_live = env.start_peer(out_live, name="peer-live")
    # Encoded up front: a 10 s freshness limit covers the second of sending.
    live = env.start_agent("rsu-live", peer_live.port, "--max-age=10s")
    frames = t.numbered_bsms(env, bsm, range(1, 121))
    records = []
    sock_port = live.udp
    for frame in frames:
        records.append((time.time(), frame))
        env.send_udp(sock_port, [frame])
        time.sleep(0.005)
    env.wait_for(lambda: len(t.read_obs(out_live)) >= len(records), 10, "live observations")
    cap = env.path("live.pcap")
    t.pcap_write(env, cap, records, sock_port)

    for name, out, pace in (("rsu-fast", out_fast, "fast"), ("rsu-paced", out_paced,
                                                              "recorded")):
        peer = env.start_peer(out, name=f"peer-{pace}")
        start = time.monotonic()
        agent = env.start_agent(name, peer.port, f"--pace={pace}", "--max-age=10s", cap,
                                "--exit-when-done", listen=False, wait_healthy=False)
        t.check_eq(agent.wait(timeout=30), 0, f"{name} exit status after the replay")
        took = time.monotonic() - start
        env.stop_peer(peer)
        live_msgs = [t.msg_of(o) for o in t.read_obs(out_live)]
        got = [t.msg_of(o) for o in t.read_obs(out)]
        t.check_eq(len(got), len(live_msgs), f"{pace}: observations")
        for i, (a, b) in enumerate(zip(live_msgs, got)):
            diff = t.same_json(b, a)
            t.check(diff is None, f"{pace}: observation {i}: {diff}")
        span = records[-1][0] - records[0][0]
        if pace == "recorded":
            t.check(took >= span * 0.9, f"recorded pace took {took:.2f} s for a "
                    f"{span:.2f} s capture")
        print(f"{pace}: {len(got)} observations identical to live, {took:.2f} s "
              f"(capture spans {span:.2f} s)")
    t.check_eq(env.stop_agent(live), 0, "live agent exit")
    env.stop_peer(peer_live)


t.main(test)
