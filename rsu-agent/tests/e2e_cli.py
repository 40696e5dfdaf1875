"""The agent as an operator meets it: --help, clear errors for bad settings
(exit 2, naming the setting), a config file with flags over it, and a clean
stop on SIGTERM with the spool flushed: observations taken while the broker
was away are all delivered by the next start."""

import os
import signal
import subprocess
import time

import agentlib as t


def run(env, *args):
    return subprocess.run([env.agent_bin, "--config=/dev/null", *args], capture_output=True,
                          text=True, timeout=20)


def test(env):
    r = subprocess.run([env.agent_bin, "--help"], capture_output=True, text=True)
    t.check_eq(r.returncode, 0, "--help exit")
    for word in ("--broker", "--listen", "--spool-dir", "--fsync", "--framing", "--bounds",
                 "--radio", "--metrics", "--pace"):
        t.check(word in r.stdout, f"--help does not mention {word}")

    bad = [
        ((), "--id"),
        (("--id=a", "--broker=nowhere"), "HOST:PORT"),
        (("--id=a", "--fsync=sometimes"), "fsync"),
        (("--id=a", "--bounds=1,2,3"), "SOUTH,WEST,NORTH,EAST"),
        (("--id=a", "--max-age=5"), "max-age"),
        (("--id=a", "--listen=unix:/tmp/x"), "UDP"),
        (("--id=a", "--no-such-option"), "no-such-option"),
    ]
    for args, word in bad:
        r = run(env, *args)
        t.check_eq(r.returncode, 2, f"exit status for {args}")
        t.check(word in r.stderr, f"{args}: error {r.stderr.strip()!r} does not name {word!r}")

    conf = env.path("agent.conf")
    with open(conf, "w") as f:
        f.write("# an RSU on the pass\nid = rsu-conf\nfsync = always\nmax_speed = 5\n")
    r = subprocess.run([env.agent_bin, f"--config={conf}", "--fsync=sometimes"],
                       capture_output=True, text=True)
    t.check_eq(r.returncode, 2, "a flag over the config file is still checked")
    with open(conf, "a") as f:
        f.write("fsync_polcy = none\n")
    r = subprocess.run([env.agent_bin, f"--config={conf}"], capture_output=True, text=True)
    t.check("agent.conf:5" in r.stderr and "fsync_polcy" in r.stderr,
            f"config error without file and line: {r.stderr.strip()!r}")

    # Spooled while the broker is away; SIGTERM; all delivered by the next start.
    bsm = env.samples()["bsm"]
    frames = t.numbered_bsms(env, bsm, range(1, 51))
    port = t.free_port(t.socket.SOCK_STREAM)
    spool = env.path("term.spool")
    agent = env.start_agent("rsu-term", port, "--max-age=60s", "--fsync=always", spool=spool)
    env.send_udp(agent.udp, frames, rate=1000)
    env.wait_for(lambda: env.metric(agent, "v2x_agent_spooled_total") >= 50, 10, "spooled")
    t0 = time.monotonic()
    t.check_eq(env.stop_agent(agent, signal.SIGTERM), 0, "exit status after SIGTERM")
    t.check(time.monotonic() - t0 < 5, "SIGTERM took too long")
    segs = [n for n in os.listdir(spool) if n.endswith(".seg")]
    t.check(segs, f"no spool segments left in {spool}")
    out = env.path("obs.jsonl")
    peer = env.start_peer(out, port=port)
    agent = env.start_agent("rsu-term", port, "--max-age=60s", spool=spool, fresh_spool=False)
    env.wait_for(lambda: len(t.read_obs(out)) >= 50, 10,
                 lambda: f"{len(t.read_obs(out))} of 50 delivered after the restart")
    lines = t.read_obs(out)
    t.check_eq([t.bsm_id_number(o) for o in lines], list(range(1, 51)), "delivered in order")
    t.check(all(o["replayed"] for o in lines), "spooled observations not marked replayed")
    t.check_eq(env.stop_agent(agent), 0, "second exit")
    env.stop_peer(peer)
    print("help, 8 bad settings, config file, SIGTERM with 50 spooled: all delivered")


t.main(test)
