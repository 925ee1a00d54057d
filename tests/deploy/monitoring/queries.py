"""What the dashboard and the alert rules query: their expressions and the metric names in them."""

import json
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PROMETHEUS_DIR = os.path.join(REPO, "deploy", "prometheus")
DASHBOARD = os.path.join(REPO, "deploy", "grafana", "plugin-host.json")
RATE_WINDOW = "10s"  # stands for Grafana's $__rate_interval: ten 1 s scrapes


def dashboard_panels():
    with open(DASHBOARD) as f:
        return json.load(f)["panels"]


def rule_expressions():
    with open(os.path.join(PROMETHEUS_DIR, "alerts.yml")) as f:
        rules = yaml.safe_load(f)
    return [str(rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def metric_names(expressions):
    """The host's metric names an expression names (`up` is Prometheus's own)."""
    return {name for e in expressions for name in re.findall(r"\bplugin_host_[a-z0-9_]+\b", e)}


def sample_names(scrape):
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in scrape.splitlines()
            if line and not line.startswith("#")}


def panel_query(expr):
    return expr.replace("$__rate_interval", RATE_WINDOW)
