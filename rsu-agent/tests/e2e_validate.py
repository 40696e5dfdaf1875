"""Validation through the real agent: stale, future, duplicate, implausible
and out-of-bounds messages are rejected and counted by cause; a message
sent at 59.9 s and received just after the minute turned, and a SPAT of the
last minute of the year received on New Year's morning, are fresh.

The receive times are under the test's control because the messages come
from a capture the test writes (a replay judges freshness against the
capture's timestamps), so no test waits for a minute to turn."""

import calendar
import json

import agentlib as t

BOUNDS = "29.50,106.40,29.70,106.60"


def at(iso):
    return float(calendar.timegm(__import__("time").strptime(iso, "%Y-%m-%dT%H:%M:%S")))


def test(env):
    s = env.samples()
    bsm, spat = s["bsm"], s["spat"]
    t0 = at("2026-11-26T08:30:00") + 0.2  # 0.2 s into a minute
    cases = []  # (name, frames, capture time, expected cause or None)

    def bsms(name, numbers, when, cause, sec=None, **fields):
        frames = t.numbered_bsms(env, bsm, numbers,
                                 sec_mark_s=t.sec_mark(when) if sec is None else sec,
                                 **fields)
        cases.append((name, frames, when, cause))

    bsms("fresh", [1], t0, None)
    bsms("minute-wrap", [2], t0, None, sec=59.9)       # sent at :59.9, heard at :00.2
    bsms("stale", [3], t0, "stale", sec=55.0)          # 5.2 s old
    bsms("future", [4], t0, "future", sec=3.0)         # 2.8 s ahead
    bsms("duplicate", [1], t0 + 0.001, "duplicate", sec=t.sec_mark(t0))
    bsms("speed", [5], t0, "implausible_speed", speed_mps=120.0)
    bsms("out-of-bounds", [6], t0, "out_of_bounds",
         pos={"lat_deg": 30.5, "lon_deg": 106.5, "elev_m": 300.0})

    # SPAT: MinuteOfTheYear 525599 (Dec 31 23:59) + timeStamp 59.5 s, heard
    # on Jan 1 at 00:00:00.3 of the next year: 0.8 s old.
    new_year = at("2027-01-01T00:00:00") + 0.3
    sp = json.loads(json.dumps(spat))
    sp["spat"]["moy_s"] = 525599 * 60.0
    sp["spat"]["timestamp_s"] = 59.5
    for i in sp["spat"]["intersections"]:
        i.pop("moy_s", None)
        i.pop("timestamp_s", None)
    old = json.loads(json.dumps(sp))
    old["spat"]["moy_s"] = 525590 * 60.0  # ten minutes before: stale
    frames = env.encode([sp, old])
    t.check(all(frames), "the codec refused the test SPATs")
    cases.append(("year-wrap", [frames[0]], new_year, None))
    cases.append(("spat-stale", [frames[1]], new_year, "stale"))

    port = 30300
    records = [(when, f) for _, fs, when, _ in cases for f in fs]
    cap = env.path("validate.pcap")
    t.pcap_write(env, cap, records, port)

    out = env.path("obs.jsonl")
    peer = env.start_peer(out)
    agent = env.start_agent("rsu-val", peer.port, f"--bounds={BOUNDS}", "--pace=fast",
                            f"--pcap-port={port}", "--max-age=1s", "--max-future=500ms",
                            cap, listen=False)
    want = {}
    for _, fs, _, cause in cases:
        if cause:
            want[cause] = want.get(cause, 0) + len(fs)
    passed = sum(len(fs) for _, fs, _, cause in cases if cause is None)
    env.wait_for(lambda: env.metric(agent, "v2x_agent_pcap_datagrams_total") >= len(records),
                 10, "capture not replayed")
    env.wait_for(lambda: len(t.read_obs(out)) >= passed, 10,
                 lambda: f"{len(t.read_obs(out))} observations, want {passed}")
    for cause, n in want.items():
        t.check_eq(env.metric(agent, "v2x_agent_rejected_total", cause=cause), float(n),
                   f"rejected as {cause}")
    total_rejected = sum(v for (name, _), v in env.metrics(agent).items()
                         if name == "v2x_agent_rejected_total")
    t.check_eq(total_rejected, float(sum(want.values())), "rejections in all")
    obs = t.read_obs(out)
    t.check_eq(len(obs), passed, "observations")
    t.check_eq([t.bsm_id_number(o) for o in obs if t.msg_of(o)["type"] == "bsm"], [1, 2],
               "the fresh BSM and the one across the minute")
    t.check_eq(sum(1 for o in obs if t.msg_of(o)["type"] == "spat"), 1,
               "the SPAT across the year")
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    env.stop_peer(peer)
    print(f"rejected {want}, passed {passed}")


t.main(test)
