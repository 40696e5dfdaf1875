"""Bad peers against the real broker: garbage before the Hello, a wrong
credential, an oversize frame, a peer that stops in the middle of a frame,
and an agent speaking for an RSU its credential is not bound to.  Each is
closed and counted by reason, while a well-behaved agent goes on
delivering observations and the broker stays up.

The frames are written by hand (brokerlib.hello), so that the test does
not trust the project's own encoder for what it sends.
"""
import socket
import time

import brokerlib as t


def closed_within(sock, seconds):
    """True when the broker closes sock within seconds (reading what it
    sends before, a Bye)."""
    sock.settimeout(seconds)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            if not sock.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def closes(env, broker, reason):
    return env.metric(broker, "v2x_broker_conn_closes_total", reason=reason)


def test(env):
    env.load_map()
    creds = env.credentials(["agent tok-good CQ-MTF-RSU-04", "agent tok-other CQ-MTF-RSU-05",
                             "subscriber tok-ops ops"])
    broker = env.start_broker(creds, "--max-frame=4k")
    good = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-good",
                           "--max-age=60s")
    frames = t.agentlib.numbered_bsms(env, env.samples()["bsm"], range(1, 401))

    def connect():
        s = socket.create_connection(("127.0.0.1", broker.agents), timeout=5)
        return s

    env.send_udp(good.udp, frames[:100], rate=200)

    reasons_all = ("frame_garbage", "protocol_error", "auth_failed", "frame_too_big", "timeout")
    before = {r: closes(env, broker, r) for r in reasons_all}
    cases = []
    # Garbage before the Hello.
    s = connect()
    s.sendall(b"\x05GET / HTTP/1.1\r\n\r\n" * 4)
    cases.append(("garbage", s, ("frame_garbage", "protocol_error")))
    # A wrong credential.
    s = connect()
    s.sendall(t.hello(1, "CQ-MTF-RSU-04", "tok-wrong"))
    cases.append(("wrong credential", s, ("auth_failed",)))
    # An oversize frame: a length prefix of 100 MB, then a little.
    s = connect()
    s.sendall(t.hello(1, "CQ-MTF-RSU-05", "tok-other") + t.varint(100 << 20) + b"\x2a" * 64)
    cases.append(("oversize frame", s, ("frame_too_big",)))
    # A peer that stops in the middle of a frame: silent after 10 of 200 bytes.
    s = connect()
    s.sendall(t.varint(200) + b"\x0a" * 10)
    cases.append(("stops mid-frame", s, ("timeout",)))

    for name, s, _ in cases:
        t.check(closed_within(s, 6.0), f"{name}: the broker did not close the connection")
        s.close()
    def counted(reasons):
        return sum(closes(env, broker, r) for r in reasons) > sum(before[r] for r in reasons)

    env.wait_for(lambda: all(counted(c[2]) for c in cases), 5,
                 lambda: "not counted: " + ", ".join(c[0] for c in cases if not counted(c[2])))

    # An agent with a valid credential whose observations name an RSU its
    # credential is not bound to: in vendor framing the RSU id comes from
    # the datagram (rsuID[8], time[8], then length[2] + frame).
    other = env.start_agent("CQ-MTF-RSU-05", broker.agents, "--credential=tok-other",
                            "--max-age=60s", "--framing=vendor", "--vendor-layout=list")
    env.wait_for(lambda: env.metric(other, "v2x_agent_broker_up") == 1, 10,
                 "the agent with the other credential did not connect")
    auth_before = closes(env, broker, "auth_failed")
    vendor = (b"EVIL-RSU" + int(time.time() * 1000).to_bytes(8, "little") +
              len(frames[0]).to_bytes(2, "little") + frames[0])
    env.send_udp(other.udp, [vendor])
    env.wait_for(lambda: env.metric(broker, "v2x_broker_observation_drops_total",
                                    cause="rsu_not_bound") >= 1, 10,
                 "an observation of an RSU not bound to the credential was not refused")
    t.check(closes(env, broker, "auth_failed") > auth_before,
            "the agent speaking for an unbound RSU was not closed")
    env.stop_agent(other)

    # The good agent was served throughout, and still is.
    env.send_udp(good.udp, frames[100:], rate=400)
    env.wait_for(lambda: env.metric(broker, "v2x_broker_observations_total", type="bsm") >= 400,
                 15, lambda: "the good agent's observations stopped arriving: "
                 f"{env.metric(broker, 'v2x_broker_observations_total', type='bsm')} of 400")
    t.check(broker.poll() is None, "the broker exited")
    t.check_eq(env.stop_agent(good), 0, "good agent exit")
    t.check_eq(env.stop_broker(broker), 0, "broker exit status")
    print("garbage, wrong credential, oversize, mid-frame stop and an observation of an "
          "unbound RSU: each closed and counted; the good agent delivered all 400")


t.main(test)
