"""PostgreSQL restarted under a steady run: the real broker and agent, a
real subscriber, and a cluster of the test's own that is stopped (pg_ctl
stop -m fast) and started again, and later has every client backend
terminated (pg_terminate_backend), while vehicles keep approaching a
rockfall.  The broker never exits, warnings keep flowing while the
database is away, and afterwards every observation, warning and hazard
row is in the database exactly once.
"""
import threading
import time

import brokerlib as t

SECONDS = 20
STOP_AT, START_AT, TERMINATE_AT = 4.0, 8.0, 12.0


def test(env):
    env.load_map()
    creds = env.credentials(["agent tok-a CQ-MTF-RSU-04", "subscriber tok-ops ops"])
    broker = env.start_broker(creds, "--persist-flush=20ms", "--rsi-hold=3s")
    agent = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-a",
                            "--max-age=3s")
    out = env.path("warnings.jsonl")
    sub = env.start_sub(broker, out)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 1, 10,
                 "the subscriber did not subscribe")

    # The rockfall, broadcast every second (msgCnt stepped, as an RSU does)
    # from 2 s before the vehicles start.
    (pb,) = env.lanepos([(31, 470.0)])

    # A vehicle starts climbing towards the rockfall every 1.2 s, each for 6 s.
    t0 = time.time() + 12.0
    plan = []
    vid = 0
    while 1.2 * vid + 6.0 < SECONDS:
        start = t0 + 1.2 * vid
        pos = env.lanepos([(31, 380.0 + 5.0 * k / 10) for k in range(60)])
        plan += [(start + k / 10, env.bsm(100 + vid, p, 5.0, k, start + k / 10))
                 for k, p in enumerate(pos)]
        vid += 1
    frames = env.encode([m for _, m in plan])
    t.check(all(frames), "the codec refused a test BSM")
    sends = [(ts, f) for (ts, _), f in zip(plan, frames)]
    sends += t.rsi_repeats(env, "5253555f30303442", 7, 401, pb, 8.0,
                           [t0 + k for k in range(-2, SECONDS + 1)])
    sends.sort(key=lambda x: x[0])
    t.check(time.time() < t0 - 2.0, "preparing the traffic took too long")

    faults = {}

    def fault_thread():
        time.sleep(max(0.0, t0 + STOP_AT - time.time()))
        faults["stop"] = time.time()
        env.cluster.stop("fast")
        time.sleep(max(0.0, t0 + START_AT - time.time()))
        env.cluster.start()
        faults["start"] = time.time()
        time.sleep(max(0.0, t0 + TERMINATE_AT - time.time()))
        rows = env.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
        faults["terminated"] = int(rows[0][0])

    ft = threading.Thread(target=fault_thread, daemon=True)
    ft.start()
    sock = t.agentlib.socket.socket(t.agentlib.socket.AF_INET, t.agentlib.socket.SOCK_DGRAM)
    for ts, frame in sends:
        delay = ts - time.time()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(frame, ("127.0.0.1", agent.udp))
        t.check(broker.poll() is None, "the broker exited during the run")
    ft.join(timeout=60)
    t.check(env.metric(broker, "v2x_broker_hazards_lanes_total", outcome="set") >= 1,
            "the RSI event never got its lanes")
    t.check(len(faults) == 3, f"the faults did not all happen: {faults}")
    t.check(faults["terminated"] >= 1, "pg_terminate_backend found no broker connection")

    # Everything acknowledged to the agent and drained from the spool.
    env.wait_for(lambda: env.metric(agent, "v2x_agent_spool_records") == 0, 30,
                 "the agent's observations were not all acknowledged")
    env.wait_for(lambda: env.gauge(broker, "v2x_broker_persist_spool_rows") == 0 and
                 env.gauge(broker, "v2x_broker_persist_queue_rows") == 0, 60,
                 "the broker's spool did not drain")
    spooled = env.gauge(broker, "v2x_broker_persist_spooled_total")
    t.check(spooled > 0, "nothing was spooled while PostgreSQL was down")
    acked = int(env.metric(agent, "v2x_agent_acked_seq"))
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    time.sleep(1.0)
    t.check_eq(env.stop_agent(sub), 0, "subscriber exit")
    t.check_eq(env.stop_broker(broker), 0, "broker exit status")

    lines = t.read_lines(out)
    warns = [w for w in lines if w.get("event") == "warning"]
    cancels = [c for c in lines if c.get("event") == "cancellation"]
    during = [w for w in warns
              if faults["stop"] * 1e6 <= w["trigger_rx_time_us"] <= faults["start"] * 1e6]
    t.check(during, f"no warning arrived while PostgreSQL was down ({len(warns)} in all)")

    # Observations: seq 1..acked, each once.
    n, distinct, lo, hi = env.psql(
        "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM v2x_broker.observations "
        "WHERE agent_id = 'CQ-MTF-RSU-04'")[0]
    t.check_eq((int(n), int(distinct), int(lo), int(hi)), (acked, acked, 1, acked),
               "observation rows (count, distinct seqs, min, max)")
    # Warnings: each (warning, revision, event) once, and exactly what was pushed.
    rows = env.psql("SELECT warning_id, revision, event FROM v2x_broker.warnings")
    t.check_eq(len(rows), len(set(map(tuple, rows))), "duplicate warning rows")
    pushed = sorted((str(int(w["warning_id"], 16)), str(w["revision"])) for w in warns)
    stored = sorted((r[0], r[1]) for r in rows if r[2] in ("issued", "updated"))
    t.check_eq(stored, pushed, "issued and updated warning rows against what was pushed")
    ended = sorted(str(int(c["warning_id"], 16)) for c in cancels)
    stored_end = sorted(r[0] for r in rows if r[2] in ("cancelled", "expired"))
    t.check(set(ended) <= set(stored_end), "a cancellation pushed but not stored")
    t.check_eq(len(stored_end), len(set(stored_end)), "a warning ended twice in the rows")
    # Hazards: the rockfall, created once.
    rows = env.psql("SELECT hazard_id, event FROM v2x_broker.hazards")
    created = [r for r in rows if r[1] == "created"]
    t.check_eq(len(created), 1, "hazard 'created' rows")
    print(f"{int(spooled)} rows went through the spool; "
          f"{acked} observations, {len(warns)} warnings ({len(during)} while PostgreSQL was "
          f"down), {len(cancels)} cancellations, {len(rows)} hazard rows: each stored once; "
          f"{faults['terminated']} backends terminated")


t.main(test, own_cluster=True)
