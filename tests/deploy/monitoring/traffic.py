"""The HTTP the run exchanges with the host: the seed's clients, single requests, a page or a metric read."""

import http.client
import threading
import time
import urllib.request

LOAD_CLIENTS = 12
SEED_BODY = b'{"info": {"sequence": "first"}}'


def http_get(port, path, timeout_s=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout_s) as response:
        return response.read().decode()


def metric_value(port, name, labels):
    """The value of one sample of the host's /metrics, or None."""
    wanted = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else ""
    for line in http_get(port, "/metrics").splitlines():
        if line.startswith(name + wanted + " "):
            return float(line.split()[-1])
    return None


class Traffic:
    """Clients posting the seed's requests on keep-alive connections until stopped."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.statuses = {}
        self.lock = threading.Lock()
        self.threads = []

    def count(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def client(self, index, start_after_s):
        if self.stop.wait(start_after_s):
            return
        path = ["/first", "/second", "/third"][index % 3]
        connection = None
        while not self.stop.is_set():
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("POST", path, SEED_BODY, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                self.count(response.status)
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                self.count("error")
                if connection:
                    connection.close()
                connection = None
                self.stop.wait(0.2)
        if connection:
            connection.close()

    def start(self, ramp_s):
        for index in range(LOAD_CLIENTS):
            thread = threading.Thread(target=self.client, args=(index, ramp_s * index / LOAD_CLIENTS))
            thread.start()
            self.threads.append(thread)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def send(port, method, path, body=b""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def until(deadline, action, every_s):
    """Runs action() every every_s seconds until the monotonic deadline."""
    while time.monotonic() < deadline:
        action()
        time.sleep(every_s)
