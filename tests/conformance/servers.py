"""The three servers of the differential conformance test, started for run.py: the host
with the echo plugin alone, Node's http server (llhttp_echo.js) and h11 (h11_echo.py).

Each listens on a free loopback port it picks itself and says which: the references print
it, the host logs "Listening on 127.0.0.1:PORT". start() waits for that line, never for a
fixed time, and keeps the last lines each process wrote for the report of a failure.
"""

import collections
import os
import queue
import re
import signal
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT_S = 60  # a busy two-core machine; each starts in well under a second
NODE = "/usr/bin/node"
PYTHON = "/usr/bin/python3"

# Short deadlines, so that a server left waiting for bytes that never come answers 408 at
# once (the runner shuts its side down after sending, so the host mostly sees the end
# first); a body limit above any case's body, so that 413 never stands for a refusal.
HOST_CONFIG = """[server]
address = 127.0.0.1
port = 0
max_connections = 256
keep_alive_timeout_ms = 2000
header_timeout_ms = 2000
body_timeout_ms = 2000
receive_timeout_ms = 2000
drain_timeout_ms = 2000
max_body_bytes = 1048576

[repository]
delay_ms = 0

[plugins]
watch = false
poll_interval_ms = 0

[metrics]
enabled = false

[plugin.echo]
library = {plugin}

[logging.loggers.root]
channel = out
level = information

; The execution service logs every request twice: not what this test reads.
[logging.loggers.execution]
name = host.execution
level = warning

[logging.channels.out]
class = BufferedAsyncChannel
stream = stdout
format = %s: %t
interval_ms = 50
"""


class Server:
    """A server process whose output is read on a thread of its own, line by line."""

    def __init__(self, name, argv, ready, cwd=None):
        self.name = name
        self.port = None
        self.tail = collections.deque(maxlen=40)
        self._lines = queue.Queue()
        self.process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()
        self.port = self._wait_for(ready)

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.tail.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _wait_for(self, ready):
        """The port from the first line matching `ready`, or an error naming what was said."""
        while True:
            try:
                line = self._lines.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise RuntimeError(f"{self.name} did not say its port within {START_TIMEOUT_S} s; "
                                   f"its output:\n" + "\n".join(self.tail))
            match = re.search(ready, line)
            if match:
                return int(match.group(1))

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_host(host_binary, plugin, work_dir):
    config = os.path.join(work_dir, "server.ini")
    with open(config, "w") as file:
        file.write(HOST_CONFIG.format(plugin=os.path.abspath(plugin)))
    return Server("host", [host_binary, "--config", config],
                  r"Listening on 127\.0\.0\.1:(\d+)")


def start_llhttp():
    return Server("llhttp", [NODE, os.path.join(HERE, "llhttp_echo.js")], r"^(\d+)$")


def start_h11():
    return Server("h11", [PYTHON, os.path.join(HERE, "h11_echo.py")], r"^(\d+)$")


def missing_references():
    """What is missing to run the references, as words for the skip message; empty if none."""
    missing = []
    if not os.access(NODE, os.X_OK):
        missing.append(f"Node.js ({NODE}; Debian package nodejs)")
    probe = subprocess.run([PYTHON, "-c", "import h11"], capture_output=True)
    if probe.returncode != 0:
        missing.append(f"h11 for {PYTHON} (Debian package python3-h11)")
    return missing
