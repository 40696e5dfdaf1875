"""Downlink, end to end: the broker (the wire peer) sends Downlink requests
for an RSI rockfall event and an RSM with a stopped vehicle; the agent
broadcasts them by UDP to the radio's address, where the test listens.
Every datagram must decode with the codec to the requested message, come
at the requested rate, with msgCnt counting up, and stop at the expiry."""

import importlib
import os
import socket
import subprocess
import sys
import time

import agentlib as t

PERIOD_MS = 100
RSI_S = 1.5
RSM_S = 1.0


def load_pb(env):
    proto_dir = os.path.join(env.source, "codecs", "wire")
    gen = env.path("pb")
    os.makedirs(gen)
    try:
        subprocess.run(["protoc", f"--proto_path={proto_dir}", f"--python_out={gen}",
                        "v2x.proto"], check=True, capture_output=True)
        sys.path.insert(0, gen)
        return importlib.import_module("v2x_pb2")
    except (OSError, subprocess.CalledProcessError, ImportError) as e:
        raise t.Skip(f"protoc / python3-protobuf unavailable: {e}")


def delimited(msg):
    from google.protobuf.internal import encoder
    body = msg.SerializeToString()
    return encoder._VarintBytes(len(body)) + body


def requests(pb, now_us):
    rsi = pb.Frame()
    d = rsi.downlink
    d.request_id = 7
    d.start_time_us = now_us
    d.end_time_us = now_us + int(RSI_S * 1e6)
    d.repeat_interval_ms = PERIOD_MS
    d.rsi.ref_pos.lat_deg = 29.6012345
    d.rsi.ref_pos.lon_deg = 106.5054321
    d.rsi.ref_pos.elev_m = 366.3
    e = d.rsi.rtes.add()
    e.id = 1
    e.event_type = 401  # rockfall
    # ll_enc left to auto: the encoder takes the absolute position and
    # picks the shortest offset from ref_pos (docs/codec.md).
    e.pos.lat_deg = 29.60146
    e.pos.lon_deg = 106.5062065
    e.radius_m = 30.0
    e.priority = 224

    rsm = pb.Frame()
    d = rsm.downlink
    d.request_id = 8
    d.start_time_us = now_us
    d.end_time_us = now_us + int(RSM_S * 1e6)
    d.repeat_interval_ms = PERIOD_MS
    d.rsm.ref_pos.lat_deg = 29.6012345
    d.rsm.ref_pos.lon_deg = 106.5054321
    p = d.rsm.participants.add()
    p.ptc_type = 1
    p.ptc_id = 101
    p.source = 3
    p.sec_mark_s = 31.2
    p.pos.lat_deg = 29.6015773
    p.pos.lon_deg = 106.5053321
    p.speed_mps = 0.0
    p.heading_deg = 90.0
    p.size.width_m = 2.5
    p.size.length_m = 9.0

    other = pb.Frame()  # addressed to another RSU: ignored
    other.CopyFrom(rsi)
    other.downlink.request_id = 9
    other.downlink.rsu_ids.append("rsu-elsewhere")
    return delimited(rsi) + delimited(rsm) + delimited(other)


def test(env):
    pb = load_pb(env)
    radio = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    radio.bind(("127.0.0.1", 0))
    radio.settimeout(0.2)
    send = env.path("downlinks.bin")
    start_us = int(time.time() * 1e6) + 300000  # after the agent connected
    with open(send, "wb") as f:
        f.write(requests(pb, start_us))
    peer = env.start_peer(env.path("obs.jsonl"), f"--send={send}")
    agent = env.start_agent("rsu-dl", peer.port, f"--radio=127.0.0.1:{radio.getsockname()[1]}",
                            "--station-id=4351525355303037")
    got = []
    end = time.time() + RSI_S + 1.5
    while time.time() < end:
        try:
            data, _ = radio.recvfrom(65536)
            got.append((time.time(), data))
        except socket.timeout:
            pass
    msgs = env.decode([d for _, d in got])
    t.check_eq(len(msgs), len(got), "decoded datagrams")
    for m in msgs:
        t.check("error" not in m, f"a datagram did not decode: {m}")
    rsis = [(ts, m["rsi"]) for (ts, _), m in zip(got, msgs) if m["type"] == "rsi"]
    rsms = [(ts, m["rsm"]) for (ts, _), m in zip(got, msgs) if m["type"] == "rsm"]
    t.check_eq(len(rsis) + len(rsms), len(msgs), "only RSI and RSM on the air")
    for name, items, dur in (("rsi", rsis, RSI_S), ("rsm", rsms, RSM_S)):
        want = dur * 1000 / PERIOD_MS
        t.check(0.7 * want <= len(items) <= 1.3 * want + 1,
                f"{name}: {len(items)} datagrams in {dur} s at {PERIOD_MS} ms, want ~{want}")
        last = (start_us / 1e6) + dur
        late = [ts for ts, _ in items if ts > last + PERIOD_MS / 1000 + 0.05]
        t.check(not late, f"{name}: {len(late)} datagrams after the expiry")
        cnts = [m["msg_cnt"] for _, m in items]
        t.check(all((b - a) % 128 == 1 for a, b in zip(cnts, cnts[1:])),
                f"{name}: msgCnt does not count up by one: {cnts}")
        t.check(all(m["id"] == "4351525355303037" for _, m in items), f"{name}: station id")
    ev = rsis[0][1]["rtes"][0]
    t.check_eq((ev["event_type"], ev["radius_m"], ev["priority"]), (401, 30.0, 224),
               "RSI event")
    t.check(abs(ev["pos"]["lat_deg"] - 29.60146) < 1e-6, f"RSI event position {ev['pos']}")
    pt = rsms[0][1]["participants"][0]
    t.check(abs(pt["pos"]["lat_deg"] - 29.6015773) < 1e-6, f"RSM participant position {pt['pos']}")
    t.check_eq((pt["ptc_id"], pt["ptc_type"], pt["sec_mark_s"]), (101, "motor", 31.2),
               "RSM participant")
    t.check_eq(env.metric(agent, "v2x_agent_downlink_ignored_total"), 1.0,
               "request for another RSU ignored")
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    env.stop_peer(peer)
    print(f"rsi: {len(rsis)} datagrams, rsm: {len(rsms)} datagrams, all decoded as requested")


t.main(test)
