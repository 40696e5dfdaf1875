"""v2x-broker's command line: --help, and the clear errors (exit 2, naming
what is wrong and where) of bad settings, before anything is started."""
import os
import subprocess

import brokerlib as t


def run(env, *args):
    return subprocess.run([env.broker_bin, *args], capture_output=True, text=True, timeout=30)


def test(env):
    r = run(env, "--help")
    t.check_eq(r.returncode, 0, "--help exit status")
    for opt in ("--db", "--credentials", "--listen-agents", "--listen-subscribers", "--metrics",
                "--spool-dir", "--persist-observations", "--slow-policy", "--hazard-horizon"):
        t.check(opt in r.stdout, f"--help does not mention {opt}")

    r = run(env, "--config=/dev/null", "--no-such-option")
    t.check_eq(r.returncode, 2, "exit status of an unknown option")
    t.check("no-such-option" in r.stderr, f"the error does not name the option: {r.stderr!r}")

    conf = env.path("broker.conf")
    with open(conf, "w") as f:
        f.write("# a broker\nlisten_agents = 127.0.0.1:7600\nslow_polcy = disconnect\n")
    r = run(env, f"--config={conf}")
    t.check_eq(r.returncode, 2, "exit status of a bad config file")
    t.check(f"{conf}:3" in r.stderr and "slow_polcy" in r.stderr,
            f"the error does not say which line of which file: {r.stderr!r}")

    creds = env.path("creds")
    with open(creds, "w") as f:
        f.write("agent tok-a CQ-MTF-RSU-01\nsubscriber tok-b ops box=1,2,3\n")
    r = run(env, "--config=/dev/null", f"--credentials={creds}")
    t.check_eq(r.returncode, 2, "exit status of a bad credentials file")
    t.check("line 2" in r.stderr or f"{creds}:2" in r.stderr,
            f"the error does not say which credential line: {r.stderr!r}")

    r = run(env, "--config=/dev/null", f"--credentials={env.path('missing')}")
    t.check_eq(r.returncode, 2, "exit status of a missing credentials file")
    t.check("missing" in r.stderr, f"the error does not name the file: {r.stderr!r}")

    for bad in ("--persist-observations=some", "--listen-agents=nowhere", "--timeout=1s",
                "--log-level=loud"):
        r = run(env, "--config=/dev/null", f"--credentials={creds}", bad)
        t.check_eq(r.returncode, 2, f"exit status of {bad}")
        t.check(r.stderr.strip(), f"no message for {bad}")

    # The warning applications: every setting listed; a wrong name, key or
    # value refused with what is wrong, before anything starts.
    r = run(env, "--apps-help")
    t.check_eq(r.returncode, 0, "--apps-help exit status")
    for name in ("hazard_ahead", "curve_speed", "blind_curve", "forward_collision",
                 "steep_downgrade", "speed_limit", "red_light"):
        t.check(f"\n{name}\n" in r.stdout, f"--apps-help does not list {name}")
    t.check("curve_speed.decel_mps2 = 2.5 m/s2" in r.stdout,
            f"--apps-help does not give curve_speed.decel_mps2 with its default and unit")
    for args, words in ((["--apps=curve_speed,nosuch"], ["nosuch", "red_light"]),
                        (["--app-settings=curve_speed.nope=1"], ["nope", "--apps-help"]),
                        (["--app-settings=curve_speed.decel_mps2=fast"],
                         ["decel_mps2=fast", "not a number"]),
                        (["--app-settings=blind_curve.window_s=-1"], ["blind_curve", "window_s"]),
                        (["--apps=red_light", "--app-settings=curve_speed.decel_mps2=3"],
                         ["curve_speed", "runs"])):
        r = run(env, "--config=/dev/null", *args)
        t.check_eq(r.returncode, 2, f"exit status of {' '.join(args)}")
        t.check(all(w in r.stderr for w in words),
                f"{' '.join(args)}: the error does not say {words}: {r.stderr.strip()!r}")
    print("--help and every bad setting tried: exit 2 with the setting named")


class CliEnv:
    """The agent tests' Env and the broker's binary; no database needed."""

    def __init__(self, env):
        self.env = env
        self.broker_bin = os.path.join(env.build, "broker", "main", "v2x-broker")

    def __getattr__(self, name):
        return getattr(self.env, name)


t.agentlib.main(lambda env: test(CliEnv(env)))
