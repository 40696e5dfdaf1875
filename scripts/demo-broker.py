"""The demo's broker step: on the test field in a private PostGIS (run under
tests/with-postgis), the real v2x-broker with one v2x-agent beside RSU 4 of
the hairpin staircase and a v2x-sub subscriber.  The RSU hears a rockfall
(RSI) just after hairpin 1 and two cars: one climbing towards it, one on
the other leg of the hairpin, 50 m from the rocks in a straight line but
far along the road.  Prints the warnings the subscriber got, then what the
broker stored in PostGIS.

    with-postgis python3 scripts/demo-broker.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "broker",
                                "tests"))
import brokerlib as t  # noqa: E402


def run(env):
    env.load_map()
    creds = env.credentials(["agent tok-rsu4 CQ-MTF-RSU-04", "subscriber tok-ops ops"])
    broker = env.start_broker(creds, "--log-level=warn")
    agent = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-rsu4",
                            "--max-age=3s", "--log-level=warn")
    out = env.path("warnings.jsonl")
    sub = env.start_sub(broker, out, "--type=hazard_ahead")
    env.wait_for(lambda: env.metric(broker, "v2x_broker_subscriptions") >= 1, 10,
                 "the subscriber did not subscribe")

    (rocks,) = env.lanepos([(31, 470.0)])
    t0 = time.time() + 4.0
    sends = [(ts, f) for ts, f in t.rsi_repeats(env, "5253555f30303442", 1, 401, rocks, 8.0,
                                                [t0 + k for k in range(-2, 9)])]
    cars = []
    for vid, s0, speed in ((1, 370.0, 8.0), (2, 282.0, 0.5)):
        pos = env.lanepos([(31, s0 + speed * k / 10) for k in range(80)])
        cars += [(t0 + k / 10, env.bsm(vid, p, speed, k, t0 + k / 10)) for k, p in enumerate(pos)]
    frames = env.encode([m for _, m in cars])
    sends += [(ts, f) for (ts, _), f in zip(cars, frames)]
    sends.sort(key=lambda x: x[0])
    print("   RSU 4 hears a rockfall after hairpin 1, car 1 climbing towards it at 8 m/s, and")
    print("   car 2 on the other leg of the hairpin (50 m from the rocks in a straight line)")
    sock = t.agentlib.socket.socket(t.agentlib.socket.AF_INET, t.agentlib.socket.SOCK_DGRAM)
    for ts, frame in sends:
        if ts > time.time():
            time.sleep(ts - time.time())
        sock.sendto(frame, ("127.0.0.1", agent.udp))
    time.sleep(1.0)
    env.stop_agent(sub)
    for w in t.read_lines(out):
        car = int(w.get("target_vehicle_id", w.get("warning_id", "0")), 16)
        if w["event"] == "warning":
            print(f"   warning {int(w['warning_id'], 16)} rev {w['revision']}: {w['type']} for "
                  f"car {car}, {w['severity']}, {w['distance_m']:.0f} m along the road, "
                  f"{w['time_to_event_s']:.1f} s away; latency {w['latency_us']} us")
        else:
            print(f"   warning {int(w['warning_id'], 16)} cancelled: {w['reason']}")
    env.stop_agent(agent)
    env.stop_broker(broker)
    rows = env.psql("SELECT (SELECT count(*) FROM v2x_broker.observations), "
                    "(SELECT count(*) FROM v2x_broker.warnings), "
                    "(SELECT count(*) FROM v2x_broker.hazards)")[0]
    print(f"   stored in PostGIS: {rows[0]} observations, {rows[1]} warning events, "
          f"{rows[2]} hazard events")


def main():
    env = t.agentlib.Env(sys.argv[1], sys.argv[2], "")
    try:
        run(t.BrokerEnv(env))
    except t.Fail as e:
        print(f"demo-broker: {e}", file=sys.stderr)
        env.dump_logs()
        env.cleanup()
        sys.exit(1)
    env.cleanup()


if __name__ == "__main__":
    main()
