"""Link loss, end to end: steady BSM input by UDP while the broker (the wire
peer) is stopped for a while and restarted; then the same with the agent
killed (SIGKILL) while it drains its spool, and restarted on that spool.
Every observation must arrive exactly once, in order, those that waited in
the spool marked replayed (and those older than the live age also
record_only)."""

import signal
import threading
import time

import agentlib as t

RATE = 200  # BSM per second


class Sender(threading.Thread):
    """Sends numbered BSMs at RATE until stopped; numbers from first."""

    def __init__(self, env, port, frames):
        super().__init__(daemon=True)
        self.env, self.port, self.frames = env, port, frames
        self.sent = 0
        self.stop_at = len(frames)
        self.error = None

    def run(self):
        try:
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            start = time.monotonic()
            while self.sent < self.stop_at:
                delay = start + self.sent / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                s.sendto(self.frames[self.sent], ("127.0.0.1", self.port))
                self.sent += 1
        except Exception as e:  # reported by the test
            self.error = e


def check_exactly_once(lines, n, what):
    nums = [t.bsm_id_number(o) for o in lines]
    seqs = [o["seq"] for o in lines]
    t.check_eq(sorted(set(nums)), list(range(1, n + 1)),
               f"{what}: the numbers that arrived (missing "
               f"{sorted(set(range(1, n + 1)) - set(nums))[:10]})")
    t.check_eq(len(nums), n, f"{what}: observations (duplicates: {len(nums) - len(set(nums))})")
    t.check_eq(nums, sorted(nums), f"{what}: order of arrival")
    t.check_eq(seqs, sorted(seqs), f"{what}: seq order")
    t.check_eq(len(set(seqs)), n, f"{what}: distinct seqs")


def frames_for(env, n):
    # Freshness is judged at receipt; the messages are encoded up front, so
    # the limit must cover the whole run.
    return t.numbered_bsms(env, env.samples()["bsm"], range(1, n + 1))


def peer_stopped(env):
    n = 6 * RATE
    frames = frames_for(env, n)
    out = env.path("obs.jsonl")
    peer = env.start_peer(out)
    port = peer.port
    agent = env.start_agent("rsu-loss", port, "--max-age=60s", "--live-age=500ms")
    # What is sent before the first session is spooled and replayed; the
    # check on the early observations below needs the link up first.
    env.wait_for(lambda: env.metric(agent, "v2x_agent_broker_up") == 1, 10,
                 "the agent did not connect to the peer")
    s = Sender(env, agent.udp, frames)
    s.start()
    time.sleep(1.5)
    env.stop_peer(peer)
    down_from = s.sent
    time.sleep(2.0)
    down_to = s.sent
    peer = env.start_peer(out, port=port, name="wirepeer-2")
    s.join(timeout=30)
    t.check(s.error is None, f"sender: {s.error}")
    env.wait_for(lambda: env.metric(agent, "v2x_agent_spool_records") == 0 and
                 len(t.read_obs(out)) >= n, 20,
                 lambda: f"{len(t.read_obs(out))} of {n} arrived, "
                 f"{env.metric(agent, 'v2x_agent_spool_records')} unacknowledged")
    lines = t.read_obs(out)
    check_exactly_once(lines, n, "peer stopped")
    replayed = [t.bsm_id_number(o) for o in lines if o["replayed"]]
    t.check(replayed, "nothing was marked replayed")
    downs = set(range(down_from + 1, down_to + 1))
    missing = sorted(downs - set(replayed))
    t.check(not missing, f"sent while the peer was down but not marked replayed: {missing[:10]}")
    t.check(all(not o["replayed"] for o in lines[:down_from // 2]),
            "observations before the outage marked replayed")
    rec_only = [o for o in lines if o["record_only"]]
    t.check(rec_only, "no spooled BSM older than --live-age was sent record_only")
    t.check(all(o["replayed"] for o in rec_only), "record_only without replayed")
    t.check_eq(env.metric(agent, "v2x_agent_spool_dropped_total"), 0.0, "dropped")
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    env.stop_peer(peer)
    print(f"peer stopped: {n} arrived exactly once; {len(replayed)} replayed, "
          f"{len(rec_only)} record_only; outage covered {len(downs)} sends")


def agent_killed(env):
    n = 4 * RATE
    frames = frames_for(env, n)
    out = env.path("obs-kill.jsonl")
    spool = env.path("kill.spool")
    peer = env.start_peer(out, "--ack-delay-ms=20")
    port = peer.port
    agent = env.start_agent("rsu-kill", port, "--max-age=60s", spool=spool)
    s = Sender(env, agent.udp, frames)
    s.stop_at = n // 2
    s.start()
    time.sleep(0.5)
    env.stop_peer(peer)
    s.join(timeout=30)
    env.wait_for(lambda: env.metric(agent, "v2x_agent_spooled_total") >= n // 2, 10,
                 "first half not spooled")
    # The peer comes back, but drops every connection after 40 observations:
    # the agent drains the spool 40 at a time between reconnects, and is
    # killed after the first cut, with most of the spool still to send.
    before = len(t.read_obs(out))
    peer = env.start_peer(out, "--close-after=40", port=port, name="wirepeer-k2")
    env.wait_for(lambda: len(t.read_obs(out)) >= before + 40, 10, "drain did not start")
    agent.send_signal(signal.SIGKILL)
    agent.wait()
    got_at_kill = len(t.read_obs(out))
    t.check(got_at_kill < n // 2, f"the whole spool drained before the kill ({got_at_kill})")
    agent = env.start_agent("rsu-kill", port, "--max-age=60s", spool=spool, fresh_spool=False)
    s2 = Sender(env, agent.udp, frames)
    s2.sent = n // 2
    s2.start()
    s2.join(timeout=30)
    env.wait_for(lambda: len(t.read_obs(out)) >= n and
                 env.metric(agent, "v2x_agent_spool_records") == 0, 20,
                 lambda: f"{len(t.read_obs(out))} of {n} arrived after the restart")
    time.sleep(0.3)
    check_exactly_once(t.read_obs(out), n, "agent killed mid-spool")
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    summary = env.stop_peer(peer)
    print(f"agent killed after {got_at_kill} of {n // 2} spooled had arrived; all {n} arrived "
          f"exactly once ({summary.strip()})")


def test(env):
    peer_stopped(env)
    agent_killed(env)


t.main(test)
