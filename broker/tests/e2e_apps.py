"""The warning applications, end to end: the real broker on a private
PostGIS holding the generated test field, a real agent fed UPER BSMs and
RSIs by UDP, a real v2x-sub subscriber.

  V1 climbs the hairpin staircase (lane 31) at 60 km/h towards hairpin 1:
     a curve speed warning at least 3 s before the curve, with the
     curve's advisory speed.
  V2 (lane 31) and V3 (lane 32) approach hairpin 1 from its two ends,
     the rock face inside the bend between them, arriving within seconds
     of each other: each is warned of the other (blind curve, oncoming).
  V4 drives the ridge road (lane 11) towards a rockfall an RSU reports:
     a hazard-ahead warning.
"""
import time

import brokerlib as t

RATE = 10  # BSM per vehicle per second


def plan(env, vid, lane, s0, speed, seconds, t0):
    """BSMs of a vehicle driving lane from s0 at speed, 10 Hz from t0."""
    pts = [(lane, s0 + speed * k / RATE) for k in range(int(seconds * RATE))]
    pos = env.lanepos(pts)
    return [(t0 + k / RATE, env.bsm(vid, p, speed, k, t0 + k / RATE)) for k, p in enumerate(pos)]


def nearest_s(env, lane, target, s_from, s_to, step=1.0):
    """The s of lane (within s_from..s_to) nearest in a straight line to target."""
    ss = [s_from + step * k for k in range(int((s_to - s_from) / step) + 1)]
    pos = env.lanepos([(lane, s) for s in ss])
    k = min(range(len(ss)), key=lambda i: t.distance_m(pos[i], target))
    return ss[k], t.distance_m(pos[k], target)


def brief(lines):
    keys = ("event", "type", "warning_id", "revision", "target_vehicle_id", "subject",
            "severity", "distance_m", "time_to_event_s", "advisory_speed_mps", "reason")
    return "\n  " + "\n  ".join(str({k: w[k] for k in keys if k in w}) for w in lines)


def test(env):
    env.load_map()
    creds = env.credentials(["agent tok-b CQ-MTF-RSU-04", "subscriber tok-ops ops"])
    broker = env.start_broker(creds)
    agent = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-b",
                            "--max-age=3s")
    out = env.path("warnings.jsonl")
    sub = env.start_sub(broker, out)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 1, 10,
                 "the subscriber did not subscribe")

    # Hairpin 1: lane 31's curve from s 326 to 427 (the map generator's
    # ground truth); its apex seen from lane 32, the other direction.
    (apex31,) = env.lanepos([(31, 376.5)])
    s32, gap = nearest_s(env, 32, apex31, 0.0, 2000.0)
    t.check(gap < 15.0, f"lane 32 passes {gap:.1f} m from hairpin 1's apex")

    t0 = time.time() + 6.0
    traffic = []
    # V1: 60 km/h from 150 m before the curve, for 6 s (to s ~ 276).
    traffic += plan(env, 1, 31, 176.0, 16.67, 6.0, t0)
    # V2 and V3, 8 s later, 70 m before the apex each at 7 m/s: both reach
    # it 10 s later.
    traffic += plan(env, 2, 31, 376.5 - 70.0, 7.0, 9.0, t0 + 8.0)
    traffic += plan(env, 3, 32, s32 - 70.0, 7.0, 9.0, t0 + 8.0)
    # V4 on the ridge, 250 m before the rockfall slope (lane 11 s 224-323).
    traffic += plan(env, 4, 11, 20.0, 15.0, 8.0, t0)
    frames = env.encode([m for _, m in traffic])
    t.check(all(frames), "the codec refused a test BSM")
    sends = [(ts, f) for (ts, _), f in zip(traffic, frames)]
    (rock,) = env.lanepos([(11, 273.0)])
    sends += t.rsi_repeats(env, "5253555f30303442", 1, 401, rock, 40.0,
                           [t0 + k for k in range(-2, 18)])
    sends.sort(key=lambda x: x[0])
    t.check(time.time() < t0 - 1.0, "preparing the traffic took too long")

    sock = t.agentlib.socket.socket(t.agentlib.socket.AF_INET, t.agentlib.socket.SOCK_DGRAM)
    for ts, frame in sends:
        delay = ts - time.time()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(frame, ("127.0.0.1", agent.udp))
    time.sleep(1.5)

    lines = t.read_lines(out)
    warns = [w for w in lines if w.get("event") == "warning"]
    by = {}
    for w in warns:
        by.setdefault((int(w["target_vehicle_id"], 16), w["type"]), []).append(w)
    summary = {f"V{v} {ty}": len(ws) for (v, ty), ws in sorted(by.items())}
    print(f"warnings by vehicle and type: {summary}")

    # V1: curve speed, issued at least 3 s before the curve at 60 km/h.
    v1 = by.get((1, "curve_speed"), [])
    t.check(v1, lambda: f"V1 got no curve speed warning ({summary})" + brief(lines))
    first = v1[0]
    t.check(first.get("revision") == 0, "V1: the first curve speed message is no issue")
    t.check(first.get("distance_m", 0) / 16.67 >= 3.0,
            f"V1: issued {first.get('distance_m')} m before the curve, under 3 s at 60 km/h")
    adv = first.get("advisory_speed_mps")
    t.check(adv is not None and 3.0 < adv < 12.0,
            f"V1: advisory speed {adv} m/s, not a hairpin's")
    t.check(all("latency_us" in w for w in v1), "V1: a warning without latency")

    # V2 and V3: each warned of the other.
    for me, other in ((2, 3), (3, 2)):
        ws = by.get((me, "blind_curve_oncoming"), [])
        t.check(ws, lambda: f"V{me} got no blind-curve warning ({summary})" + brief(lines))
        subj = ws[0].get("subject", {})
        t.check_eq(int(subj.get("vehicle_id", "0"), 16), other,
                   f"V{me}: the blind-curve warning's subject")
        t.check(ws[0].get("distance_m", -1) >= 0, f"V{me}: no distance to the bend")

    # V4: hazard ahead from the RSI.
    v4 = by.get((4, "hazard_ahead"), [])
    t.check(v4, lambda: f"V4 got no hazard-ahead warning ({summary})" + brief(lines))
    t.check(v4[0].get("subject", {}).get("hazard", {}).get("event_type") == 401,
            f"V4: the hazard is not the rockfall: {v4[0].get('subject')}")

    # Nobody else was told of a blind curve.
    odd = [k for k in by if k[1] == "blind_curve_oncoming" and k[0] not in (2, 3)]
    t.check(not odd, f"blind-curve warnings for vehicles not in the encounter: {odd}")
    env.stop_agent(agent)
    env.stop_agent(sub)


if __name__ == "__main__":
    t.main(test)
