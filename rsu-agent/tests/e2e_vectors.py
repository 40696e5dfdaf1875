"""Every real and newer-schema vector, sent by UDP to the agent, ends as an
observation at the wire peer holding what the codec decodes from it, or,
for a frame the codec refuses, as that documented error counted by cause.

Validation is set loose (the vectors are old and several share an id and
msgCnt) so that the pipeline's decision is the codec's alone."""

import glob
import os

import agentlib as t


def test(env):
    files = sorted(glob.glob(os.path.join(env.vectors, "*", "*.uper")))
    if not files:
        raise t.Skip(f"no vectors in {env.vectors!r}")
    frames = [open(f, "rb").read() for f in files]
    want = env.decode(frames)
    t.check_eq(len(want), len(frames), "codec answers")

    out = env.path("obs.jsonl")
    peer = env.start_peer(out)
    agent = env.start_agent("rsu-vec", peer.port, "--max-age=0", "--max-future=0",
                            "--max-age-moy=0", "--dup-window=0", "--include-uper")
    for f in frames:
        env.send_udp(agent.udp, [f])
    good = [w for w in want if "error" not in w]
    env.wait_for(lambda: len(t.read_obs(out)) >= len(good), 10,
                 lambda: f"{len(t.read_obs(out))} observations, want {len(good)}")
    got = t.read_obs(out)
    t.check_eq(len(got), len(good), "observations")
    gi = 0
    for name, frame, w in zip(files, frames, want):
        if "error" in w:
            continue
        line = got[gi]
        gi += 1
        t.check_eq(line["agent"], "rsu-vec", f"{name}: agent")
        t.check_eq(line["rsu_id"], "rsu-vec", f"{name}: rsu_id")
        t.check_eq(line["uper"], frame.hex(), f"{name}: raw bytes")
        t.check(not line["replayed"], f"{name}: marked replayed")
        w = dict(w)
        w.pop("file", None)
        diff = t.same_json(t.msg_of(line), w)
        t.check(diff is None, f"{name}: observation vs the codec's decoding: {diff}")

    errors = {}
    for w in want:
        if "error" in w:
            errors[w["error"]] = errors.get(w["error"], 0) + 1
    for cause, n in errors.items():
        t.check_eq(env.metric(agent, "v2x_agent_decode_errors_total", cause=cause), float(n),
                   f"decode errors {cause}")
    t.check_eq(env.metric(agent, "v2x_agent_decode_failed_total"), float(sum(errors.values())),
               "decode failures")
    t.check_eq(env.metric(agent, "v2x_agent_received_total"), float(len(frames)), "received")
    t.check_eq(env.metric(agent, "v2x_agent_forwarded_total"), float(len(good)), "forwarded")
    t.check_eq(env.stop_agent(agent), 0, "agent exit status")
    env.stop_peer(peer)
    print(f"{len(frames)} vectors: {len(good)} observations, errors {errors}")


t.main(test)
