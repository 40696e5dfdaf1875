"""Back pressure from the database: the real broker and agent, a steady
stream of BSMs, and the observations table locked for 8 s by another
session, so that the broker's writer stalls and its (small) queue fills.
The broker stops reading the agent instead of dropping or disconnecting
it; the agent's writes block and its spool holds the rest; once the lock
is gone everything is stored exactly once, and the agent never had to
reconnect.
"""
import subprocess
import time

import brokerlib as t

N = 20000
RATE = 2500  # BSM per second
LOCK_S = 8


def test(env):
    env.load_map()
    creds = env.credentials(["agent tok-a CQ-MTF-RSU-04", "subscriber tok-ops ops"])
    broker = env.start_broker(creds, "--persist-queue=1M", "--persist-batch=200")
    agent = env.start_agent("CQ-MTF-RSU-04", broker.agents, "--credential=tok-a",
                            "--max-age=0", "--max-future=0", "--timeout=5s")
    env.wait_for(lambda: env.metric(agent, "v2x_agent_broker_up") == 1, 10,
                 "the agent did not connect")
    frames = t.agentlib.numbered_bsms(env, env.samples()["bsm"], range(1, N + 1))
    # The writer's table is there once the first rows went in.
    env.send_udp(agent.udp, frames[:10])
    env.wait_for(lambda: env.metric(agent, "v2x_agent_acked_seq") >= 10, 15,
                 "the first observations were not stored")
    locker = subprocess.Popen(
        ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", env.conninfo, "-c",
         "BEGIN; LOCK TABLE v2x_broker.observations IN ACCESS EXCLUSIVE MODE; "
         f"SELECT pg_sleep({LOCK_S}); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    env.send_udp(agent.udp, frames[10:], rate=RATE)
    t.check(env.metric(broker, "v2x_broker_agent_holds_total") >= 1,
            "the broker never held the agent back while its writer was stalled")
    t.check_eq(locker.wait(timeout=60), 0, "the locking session")

    env.wait_for(lambda: env.metric(agent, "v2x_agent_acked_seq") >= N and
                 env.metric(agent, "v2x_agent_spool_records") == 0, 60,
                 lambda: f"acknowledged {env.metric(agent, 'v2x_agent_acked_seq'):.0f} of {N}")
    n, distinct, hi = env.psql("SELECT count(*), count(DISTINCT seq), max(seq) "
                               "FROM v2x_broker.observations")[0]
    t.check_eq((int(n), int(distinct), int(hi)), (N, N, N), "observation rows")
    t.check_eq(env.metric(agent, "v2x_agent_connects_total"), 1.0,
               "agent sessions (it must not have been made to reconnect)")
    t.check_eq(env.metric(broker, "v2x_broker_conn_closes_total", reason="overloaded"), 0.0,
               "connections closed as overloaded")
    holds = env.metric(broker, "v2x_broker_agent_holds_total")
    spooled = env.gauge(agent, "v2x_agent_spooled_total")
    t.check_eq(env.stop_agent(agent), 0, "agent exit")
    t.check_eq(env.stop_broker(broker), 0, "broker exit status")
    print(f"{N} observations stored exactly once through an {LOCK_S} s stall of the writer; "
          f"the agent was held back {holds:.0f} time(s), spooled {spooled:.0f}, and never "
          f"reconnected")


t.main(test)
