"""The parts of tests/deploy/monitoring_test.py, one job a module."""
