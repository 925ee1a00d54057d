"""Load scenarios: what a benchmark run does, as data.

A scenario says how many virtual users there are, how many keep-alive connections each
one holds, how long a connection pauses between its requests, how long the repository
waits on every request, how long the load lasts, and which servers it runs against.
bench/run.py carries any of them out the same way; the command line can override every
field. The modes:

  seed      the seed's test (N=500 by default) against every server, and a bare Poco
            HTTPServer doing the same 2 s sleep: the yardstick for CPU per request
  seed-4x   four times the users (N=2000, 6,000 connections) against plugin-host
  seed-12x  twelve times the users (N=6000, 18,000 connections) against one plugin-host,
            and one epoll thread answering on timers: the practical ceiling here
  overload  3,000 connections against a plugin-host that admits 1,000: the others must
            get a fast 503, the admitted ones full speed
  raw       no pause, no repository delay, 100 connections: plugin-host's whole request
            path against a bare Poco HTTPServer (and nginx, when installed)
"""

from dataclasses import dataclass, replace
import math

# The seed's servers, plugin-host first: what the seed scenario compares.
ALL_SERVERS = ("host", "flask-dev", "gunicorn", "waitress", "uvicorn", "dotnet")
# Yardsticks: the raw scenario's, and the seed scenario's bare server doing the seed's work.
BASELINE_SERVERS = ("poco-minimal", "nginx", "poco-sleeping", "epoll-timer")


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    vus: int = 500                    # k6's virtual users
    connections_per_vu: int = 3       # k6's http.batch of three requests
    pause_ms: int = 1000              # k6's sleep(1), wrk's delay()
    delay_ms: int = 2000              # the repository's wait on every request
    duration_s: int = 60              # the load window; 300 is the seed's 5 minutes
    timeout_s: int = 10               # an answer later than this counts as failed
    wrk_threads: int = 2
    servers: tuple = ALL_SERVERS
    paths: tuple = ("first", "second", "third")
    # plugin-host's configuration changes for this scenario: (section, key, value).
    host_settings: tuple = ()
    # Connections plugin-host serves at once (its max_connections) when the scenario opens
    # more: only those can complete requests, so only they count towards the ceiling.
    admitted_connections: int = 0
    # Overload: time the 503s that fresh connections get while the load runs.
    probe_turned_away: bool = False
    # Raw: the server whose req/s the others are given as a percentage of (no ceiling).
    baseline: str = ""
    # The server whose CPU time per completed request the others are given as a ratio of.
    cpu_baseline: str = ""
    # Time the slow-client deadlines (header, body) while the load runs.
    probe_slow_clients: bool = False

    @property
    def connections(self):
        return self.vus * self.connections_per_vu

    @property
    def counted_connections(self):
        """Connections that can complete requests: all, or the admitted ones."""
        if self.admitted_connections:
            return min(self.connections, self.admitted_connections)
        return self.connections

    @property
    def grace_s(self):
        """After the window, how long requests in flight get to be answered."""
        return self.timeout_s + 1

    @property
    def cycle_s(self):
        """One round of a connection when the server answers at once: pause, then delay."""
        return (self.pause_ms + self.delay_ms) / 1000.0

    @property
    def requests_per_connection(self):
        """Requests one connection can send within the window.

        A connection pauses first and sends at pause, pause + cycle, pause + 2 cycles ...
        and starts no request after the window (bench/seed_load.lua)."""
        pause_s = self.pause_ms / 1000.0
        if self.duration_s < pause_s or self.cycle_s == 0:
            return 0  # no pause and no delay (raw): as many as the server answers
        return math.floor((self.duration_s - pause_s) / self.cycle_s + 1e-9) + 1

    @property
    def ceiling_requests(self):
        """The most requests this scenario can complete: every connection, every round."""
        return self.counted_connections * self.requests_per_connection

    @property
    def ceiling_rps(self):
        """ceiling_requests over the window: N req/s for the seed's pause and delay when
        the window is a whole number of rounds (60 s, 300 s); a little more otherwise."""
        return self.ceiling_requests / self.duration_s

    @property
    def steady_rps(self):
        """The limit of a long run: connections / (pause + delay), N req/s for the seed."""
        return self.counted_connections / self.cycle_s if self.cycle_s else 0.0

    def window_slack_s(self):
        """Time between a connection's last scheduled send and the end of the window."""
        if self.cycle_s == 0:
            return self.duration_s
        pause_s = self.pause_ms / 1000.0
        last_send = pause_s + (self.requests_per_connection - 1) * self.cycle_s
        return self.duration_s - last_send

    def with_overrides(self, **fields):
        return replace(self, **{k: v for k, v in fields.items() if v is not None})


SCENARIOS = {
    "seed": Scenario(
        name="seed",
        description="the seed's k6 test: N VUs, each posting to /first, /second, /third "
                    "in parallel, 2 s in the repository, then 1 s of sleep",
        servers=ALL_SERVERS + ("poco-sleeping",),
        cpu_baseline="poco-sleeping",
    ),
    "seed-4x": Scenario(
        name="seed-4x",
        description="the seed's test with four times the users (N=2000, 6,000 "
                    "connections) against plugin-host configured for them",
        vus=2000,
        servers=("host",),
        host_settings=(("server", "max_connections", "6400"),),
    ),
    "seed-12x": Scenario(
        name="seed-12x",
        description="the seed's test with twelve times the users (N=6000, 18,000 "
                    "connections) against one plugin-host configured for them, under a "
                    "descriptor limit of 20,000",
        vus=6000,
        servers=("host", "epoll-timer"),
        host_settings=(("server", "max_connections", "18400"),),
        probe_slow_clients=True,
    ),
    "overload": Scenario(
        name="overload",
        description="3,000 connections against a plugin-host that serves 1,000 at once: "
                    "the 1,000 it admits must run at full speed, the others get a fast 503",
        vus=1000,
        servers=("host",),
        host_settings=(("server", "max_connections", "1000"),),
        admitted_connections=1000,
        probe_turned_away=True,
    ),
    "raw": Scenario(
        name="raw",
        description="no pause and no repository delay: 100 connections posting to /first "
                    "as fast as answers come, plugin-host's whole request path against a "
                    "bare Poco HTTPServer answering a fixed body (and nginx's return 200)",
        vus=100,
        connections_per_vu=1,
        pause_ms=0,
        delay_ms=0,
        duration_s=10,
        wrk_threads=1,
        paths=("first",),
        servers=("host", "poco-minimal", "nginx"),
        baseline="poco-minimal",
    ),
}
