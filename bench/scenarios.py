"""Load scenarios: what a benchmark run does, as data.

A scenario says how many virtual users there are, how many keep-alive connections each
one holds, how long a connection pauses between its requests, how long the repository
waits on every request, how long the load lasts, and which servers it runs against.
bench/run.py carries any of them out the same way; the command line can override every
field. New modes (overload, raw overhead, more users) are new entries here.
"""

from dataclasses import dataclass, replace
import math

# The servers bench/run.py knows: plugin-host first, then the seed's servers.
ALL_SERVERS = ("host", "flask-dev", "gunicorn", "waitress", "uvicorn", "dotnet")


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

    @property
    def connections(self):
        return self.vus * self.connections_per_vu

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
        if self.duration_s < pause_s:
            return 0
        return math.floor((self.duration_s - pause_s) / self.cycle_s + 1e-9) + 1

    @property
    def ceiling_requests(self):
        """The most requests this scenario can complete: every connection, every round."""
        return self.connections * self.requests_per_connection

    @property
    def ceiling_rps(self):
        """ceiling_requests over the window: N req/s for the seed's pause and delay when
        the window is a whole number of rounds (60 s, 300 s); a little more otherwise."""
        return self.ceiling_requests / self.duration_s

    @property
    def steady_rps(self):
        """The limit of a long run: connections / (pause + delay), N req/s for the seed."""
        return self.connections / self.cycle_s

    def window_slack_s(self):
        """Time between a connection's last scheduled send and the end of the window."""
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
    ),
}
