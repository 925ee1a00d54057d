"""The yardsticks a benchmark runs beside plugin-host: the bare Poco HTTPServer of
bench/baseline (answering a fixed body for the raw scenario, or parsing the body and
sleeping like the repository for the seed scenario) and nginx's return 200."""

import os
import shutil

# poco-sleeping's threads beyond one per connection: for the readiness request and for
# connections wrk reopens while the old ones are not yet closed.
SLEEPING_THREAD_MARGIN = 64


def poco_argv(kind, build_dir, port, connections, delay_ms):
    """minimal-poco-server's command line for a "poco-minimal" or "poco-sleeping" server."""
    executable = os.path.join(build_dir, "bin", "minimal-poco-server")
    if kind == "poco-minimal":
        return [executable, str(port), "256"]
    if not connections:
        raise ValueError("poco-sleeping needs the load's connection count")
    # Poco's HTTPServer ties a thread to each keep-alive connection for as long as it
    # stays open: fewer threads than connections would leave connections unserved.
    threads = connections + SLEEPING_THREAD_MARGIN
    return [executable, str(port), str(threads), str(delay_ms)]


def nginx_available():
    return shutil.which("nginx") is not None


def write_nginx_config(path, work_dir, port):
    """nginx answering 200 with a fixed JSON body to everything: the fastest HTTP server
    at hand, for the raw scenario's comparison."""
    with open(path, "w") as f:
        f.write(f"""worker_processes auto;
pid {work_dir}/nginx.pid;
error_log {work_dir}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work_dir}/nginx-body;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            default_type application/json;
            return 200 '{{"result":"ok"}}';
        }}
    }}
}}
""")
