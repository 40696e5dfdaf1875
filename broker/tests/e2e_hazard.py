"""Hazard ahead, end to end: the real broker on a private PostGIS holding
the generated test field, real agents fed BSMs and RSIs by UDP, a real
v2x-sub subscriber.

Two rockfall events arrive as RSI:
  A. on the valley approach (lane 61) right under the Panlong viaduct:
     V1 drives down the spiral's last metres into it and past it (one
     warning, updates only as the distance shrinks, a cancellation once
     passed); V2 drives on the viaduct above it, 10 m higher (none).
  B. on the hairpin staircase (lane 31), just after hairpin 1, repeated
     for 7 s only: V4 climbs towards it (a warning, then a cancellation
     when the event expires); V5 waits on the other leg of
     the hairpin, within 60 m in a straight line but far along the road
     (none).
"""
import time

import brokerlib as t

RATE = 10  # BSM per vehicle per second


def plan(env, vid, lane, s0, speed, seconds, t0):
    """BSMs of a vehicle driving lane from s0 at speed, 10 Hz from t0;
    a lane's end continues on the lanes given as (lane, length) in lane."""
    lanes = lane if isinstance(lane, list) else [(lane, 1e9)]
    pts = []
    for k in range(int(seconds * RATE)):
        s = s0 + speed * k / RATE
        for ln, length in lanes:
            if s <= length:
                pts.append((ln, s))
                break
            s -= length
    pos = env.lanepos(pts)
    return [(t0 + k / RATE, env.bsm(vid, p, speed, k, t0 + k / RATE)) for k, p in enumerate(pos)]


def brief(lines):
    """One line per warning or cancellation, for failure messages."""
    keys = ("event", "warning_id", "revision", "subject", "severity", "distance_m",
            "time_to_event_s", "reason", "rx_time_us")
    return "\n  " + "\n  ".join(str({k: w[k] for k in keys if k in w}) for w in lines)


def test(env):
    env.load_map()
    creds = env.credentials([
        "agent tok-a CQ-MTF-RSU-07",
        "agent tok-b CQ-MTF-RSU-04",
        "subscriber tok-ops ops",
        "subscriber tok-fleet fleet vehicle=0000000000000001",
    ])
    broker = env.start_broker(creds, "--rsi-hold=2s")
    agent_a = env.start_agent("CQ-MTF-RSU-07", broker.agents, "--credential=tok-a",
                              "--max-age=3s")
    agent_b = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-b",
                              "--max-age=3s")
    out = env.path("warnings.jsonl")
    sub = env.start_sub(broker, out)
    # A subscriber of V4's warnings only; a fleet account scoped to vehicle
    # 1 that asks for vehicle 2 is refused (v2x-sub exits 3 and says why).
    out4 = env.path("warnings-v4.jsonl")
    sub4 = env.start_sub(broker, out4, "--vehicle=0000000000000004", name="ops-v4")
    fleet = env.start_sub(broker, env.path("fleet.jsonl"), "--vehicle=0000000000000002",
                          sub_id="fleet", token="tok-fleet")
    t.check_eq(fleet.wait(timeout=10), 3, "v2x-sub exit status for a subscription out of scope")
    why = open(env.path("fleet.sub.log")).read()
    t.check("out_of_scope" in why and "0000000000000002" in why,
            f"the refusal does not say what was out of scope: {why.strip()}")
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 2, 10,
                 "the subscribers did not subscribe")

    # Hazard A under the viaduct, hazard B after hairpin 1.  RSUs repeat an
    # RSI every second while the event lasts, from 2 s before the vehicles
    # start; B's repeats stop after 7 s and it expires --rsi-hold later.
    (pa,) = env.lanepos([(61, 26.0)])
    (pb,) = env.lanepos([(31, 470.0)])

    # V5's place on the other leg: the point of lane 31 before hairpin 1
    # nearest to hazard B in a straight line.
    leg = env.lanepos([(31, float(s)) for s in range(150, 326, 2)])
    near = min(range(len(leg)), key=lambda i: t.distance_m(leg[i], pb))
    s5 = 150.0 + 2 * near
    t.check(t.distance_m(leg[near], pb) < 60.0,
            f"the other leg is {t.distance_m(leg[near], pb):.0f} m from the hazard")
    t.check(470.0 - s5 > 160.0, f"the other leg is only {470.0 - s5:.0f} m along the road")

    t0 = time.time() + 6.0
    seconds = 12
    traffic = []
    traffic += [(ts, m, agent_a) for ts, m in
                plan(env, 1, [(51, 470.099), (61, 1e9)], 410.0, 10.0, seconds, t0)]
    traffic += [(ts, m, agent_a) for ts, m in plan(env, 2, 51, 90.0, 10.0, seconds, t0)]
    traffic += [(ts, m, agent_b) for ts, m in plan(env, 4, 31, 370.0, 4.0, seconds, t0)]
    traffic += [(ts, m, agent_b) for ts, m in plan(env, 5, 31, s5, 0.5, seconds, t0)]
    frames = env.encode([m for _, m, _ in traffic])
    t.check(all(frames), "the codec refused a test BSM")
    sends = [(ts, agent, f) for (ts, _, agent), f in zip(traffic, frames)]
    sends += [(ts, agent_a, f) for ts, f in t.rsi_repeats(
        env, "5253555f30303741", 1, 401, pa, 12.0, [t0 + k for k in range(-2, seconds + 2)])]
    sends += [(ts, agent_b, f) for ts, f in t.rsi_repeats(
        env, "5253555f30303442", 2, 401, pb, 8.0, [t0 + k for k in range(-2, 7)])]
    # The junction's MAP as its RSU broadcasts it, and a SPAT, once each.
    r = t.subprocess.run([env.map_bin, "mapmsg", f"--db={env.conninfo}"], capture_output=True,
                         text=True)
    t.check(r.returncode == 0 and r.stdout.strip(), f"v2x-map mapmsg: {r.stderr.strip()}")
    mapmsg = bytes.fromhex(r.stdout.split()[0])
    spat_msg = t.json.loads(t.json.dumps(env.samples()["spat"]))
    spat_msg["spat"]["moy_s"] = t.moy(t0 - 1.4)
    spat_msg["spat"]["timestamp_s"] = t.sec_mark(t0 - 1.4)
    spat = env.encode([spat_msg])[0]
    t.check(spat, "the codec refused the test SPAT")
    sends += [(t0 - 1.5, agent_a, mapmsg), (t0 - 1.4, agent_a, spat)]
    sends.sort(key=lambda x: x[0])
    t.check(time.time() < t0 - 2.0, "preparing the traffic took too long")

    sock = t.agentlib.socket.socket(t.agentlib.socket.AF_INET, t.agentlib.socket.SOCK_DGRAM)
    for ts, agent, frame in sends:
        delay = ts - time.time()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(frame, ("127.0.0.1", agent.udp))
    time.sleep(1.5)

    t.check_eq(env.metric(broker, "v2x_broker_hazards_created_total", kind="rsi"), 2.0,
               "RSI hazards created (each event once, however often repeated)")
    t.check(env.metric(broker, "v2x_broker_hazards_lanes_total", outcome="set") >= 2,
            "the lanes of the two events were not found")
    lines = t.read_lines(out)
    # The other applications warn these vehicles too (curve speed in the
    # hairpin, the speed limit): this test is about hazard ahead.
    warns = [w for w in lines if w.get("event") == "warning" and w["type"] == "hazard_ahead"]
    ha_ids = {w["warning_id"] for w in warns}
    cancels = [c for c in lines if c.get("event") == "cancellation" and c["warning_id"] in ha_ids]
    by_vehicle = {}
    for w in warns:
        by_vehicle.setdefault(int(w["target_vehicle_id"], 16), []).append(w)
    summary = {v: len(ws) for v, ws in by_vehicle.items()}

    # V1: warned once, updated only as the distance shrank, cancelled once passed.
    v1 = by_vehicle.get(1, [])
    t.check(v1, f"V1, approaching hazard A along its lane, got no warning ({summary})")
    ids = {w["warning_id"] for w in v1}
    t.check(len(ids) == 1, lambda: f"V1: {len(ids)} distinct warnings: " + brief(v1 + [
        c for c in cancels if c["warning_id"] in ids]))
    revs = [w["revision"] for w in v1]
    t.check_eq(revs, list(range(len(revs))), "V1: revisions")
    t.check(len(v1) < seconds * RATE / 4,
            f"V1: {len(v1)} warning frames for {seconds * RATE} BSMs: repeated at the input rate")
    dists = [w["distance_m"] for w in v1 if "distance_m" in w]
    t.check(dists and dists == sorted(dists, reverse=True),
            f"V1: the distance did not shrink from revision to revision: {dists}")
    t.check(45.0 < dists[0] < 75.0, f"V1: first distance {dists[0]:.1f} m, the road says ~60-74")
    t.check(all("latency_us" in w and 0 <= w["latency_us"] < 2e6 for w in v1),
            "V1: a warning without a sane latency")
    c1 = [c for c in cancels if c["warning_id"] in ids]
    t.check_eq(len(c1), 1, "V1: cancellations once passed")
    t.check_eq(c1[0]["reason"], "resolved", "V1: cancellation reason")

    # V2 on the viaduct above hazard A, V5 on the other hairpin leg: none.
    t.check(2 not in by_vehicle, f"V2, on the viaduct above hazard A, was warned: {by_vehicle.get(2)}")
    t.check(5 not in by_vehicle, f"V5, on the other leg of the hairpin, was warned: {by_vehicle.get(5)}")

    # V4: warned for hazard B, then cancelled when B expired (V4 was still
    # short of it: at most ~60 m climbed of the ~90 m).
    v4 = by_vehicle.get(4, [])
    t.check(v4, f"V4, climbing towards hazard B, got no warning ({summary})")
    ids4 = {w["warning_id"] for w in v4}
    t.check_eq(len(ids4), 1, "V4: distinct warnings")
    c4 = [c for c in cancels if c["warning_id"] in ids4]
    t.check_eq(len(c4), 1, "V4: cancellations once hazard B expired")
    t.check(c4[0]["reason"] in ("resolved", "source_lost"),
            f"V4: cancellation reason {c4[0]['reason']}")
    # The V4-only subscriber got V4's warnings and nothing else.
    only4 = [w for w in t.read_lines(out4)
             if w.get("event") == "warning" and w["type"] == "hazard_ahead"]
    t.check(all(int(w["target_vehicle_id"], 16) == 4 for w in t.read_lines(out4)
                if w.get("event") == "warning"),
            "the subscriber filtering on vehicle 4 got another vehicle's warning")
    t.check_eq(sorted(int(w["target_vehicle_id"], 16) for w in only4),
               sorted(4 for _ in v4), "warnings of the subscriber filtering on vehicle 4")

    # The MAP is stored and related to the map's junction; the SPAT too.
    rows = env.psql("SELECT node_id, intersection_id IS NOT NULL, matched_by "
                    "FROM v2x_broker.map_messages")
    t.check(rows and all(r[1] == "t" for r in rows),
            f"the MAP was not related to the map's junction: {rows}")
    t.check(env.psql("SELECT count(*) FROM v2x_broker.spat_history")[0][0] != "0",
            "the SPAT was not stored")

    # A new map version announced while the broker runs: it is swapped in,
    # and ingest goes on.
    env.load_map()
    env.wait_for(lambda: env.metric(broker, "v2x_broker_map_version") == 2.0, 20,
                 "the broker did not take map version 2")
    before = env.metric(broker, "v2x_broker_observations_total", type="bsm")
    late = env.encode([env.bsm(9, pb, 0.0, k, time.time()) for k in range(5)])
    env.send_udp(agent_b.udp, late)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_observations_total", type="bsm") >=
                 before + 5, 10, "ingest stopped after the map reload")
    print(f"warnings per vehicle: {summary}; cancellations: {len(cancels)}; map reloaded")
    env.stop_agent(sub4)
    env.stop_agent(agent_a)
    env.stop_agent(agent_b)
    env.stop_agent(sub)
    t.check_eq(env.stop_broker(broker), 0, "broker exit status")


t.main(test)
