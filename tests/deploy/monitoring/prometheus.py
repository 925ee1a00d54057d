"""The Prometheus side of the run: its configuration, its HTTP API and its active alerts."""

import json
import os
import urllib.parse
import urllib.request

import yaml

from .queries import PROMETHEUS_DIR

JOB = "plugin-host"


def prometheus_api(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise RuntimeError(f"Prometheus answered {answer} to {path} {params}")
    return answer["data"]


def active_alerts(port):
    """{(alertname, plugin label or ""): state} of Prometheus's alerts now."""
    try:
        alerts = prometheus_api(port, "alerts")["alerts"]
    except OSError:
        return {}
    return {(a["labels"]["alertname"], a["labels"].get("plugin", "")): a["state"] for a in alerts}


def write_prometheus_config(path, host_port):
    """deploy/prometheus/prometheus.yml with its target on loopback and 1 s intervals."""
    with open(os.path.join(PROMETHEUS_DIR, "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [os.path.join(PROMETHEUS_DIR, name) for name in config["rule_files"]]
    job = next(j for j in config["scrape_configs"] if j["job_name"] == JOB)
    del job["dns_sd_configs"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{host_port}"]}]
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
