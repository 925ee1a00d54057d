# plugin-host in a container.
#
#   docker build -t plugin-host .
#   docker run -d -p 8991:8991 --ulimit nofile=20000:20000 plugin-host
#
# Stage 1 builds on the Debian release and with the package list CI uses; stage 2 carries
# only the executable, the seed plugins, the configuration and the shared libraries they
# load. docs/container.md explains the volume, the bind mounts and the ulimit.

# ---- Stage 1: build ----
FROM debian:bookworm AS build

# The same package list CI installs (scripts/install-dependencies.sh, group "build").
COPY scripts/install-dependencies.sh /src/scripts/
RUN /src/scripts/install-dependencies.sh build

WORKDIR /src
# Only what the Release build reads, so that editing tests or docs does not rebuild.
COPY CMakeLists.txt ./
COPY cmake cmake/
COPY host host/
COPY plugins plugins/
COPY config config/
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DPLUGIN_HOST_BENCH_TOOLS=OFF -DPLUGIN_HOST_DEBIAN_PACKAGES=OFF \
 && cmake --build /build

# Lay out /app as the runtime image has it. The configuration is the repository's
# config/server.ini with each plugin's `library` pointed at ../plugins/<file>.so instead of
# ../build/plugins/<file>.so; every other line is kept, so there is one source of truth.
# The build fails here if a configured plugin is not in the plugin folder.
RUN set -eu; \
    mkdir -p /app/bin /app/plugins /app/config; \
    cp /build/bin/plugin-host /app/bin/; \
    cp /build/plugins/*.so /app/plugins/; \
    sed -E 's#^([[:space:]]*library[[:space:]]*=[[:space:]]*).*/([^/[:space:]]+\.so)[[:space:]]*$#\1../plugins/\2#' \
        config/server.ini > /app/config/server.ini; \
    libraries=$(sed -nE 's#^[[:space:]]*library[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$#\1#p' /app/config/server.ini); \
    test -n "$libraries"; \
    for library in $libraries; do \
        test -f "/app/config/$library" || { echo "server.ini names $library, not in /app/plugins" >&2; exit 1; }; \
    done; \
    chmod 0755 /app/bin/plugin-host; \
    chmod 0644 /app/plugins/*.so /app/config/server.ini
COPY container/healthcheck.sh /app/bin/healthcheck
RUN chmod 0755 /app/bin/healthcheck

# ---- Stage 2: run ----
FROM debian:bookworm-slim

# Runtime libraries only: the Poco libraries the executable links (NEEDED entries
# libPocoFoundation/Net/Util.so.80; apt adds what they link in turn: PocoJSON, PocoXML,
# pcre, zlib, expat) and prometheus-cpp's core (libprometheus-cpp-core.so.1.0, the metrics).
# libstdc++, libgcc and libsystemd0 (apt's own) are already part of the base
# image. The health check needs nothing more: it talks HTTP through bash's /dev/tcp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpocofoundation80 libpoconet80 libpocoutil80 libprometheus-cpp-core1.0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# An unprivileged user with a fixed id, so that bind-mounted files can be made readable to
# it from the outside. It owns nothing in /app: the server only reads there.
RUN groupadd --system --gid 10001 plugin-host \
 && useradd --system --uid 10001 --gid plugin-host --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin plugin-host

COPY --from=build /app /app

# Fail the build, not the first start, if a shared library is missing.
RUN ! ldd /app/bin/plugin-host /app/plugins/*.so | grep 'not found'

WORKDIR /app
USER plugin-host:plugin-host

# The plugin folder is a volume: bind-mount a host folder there to add or replace plugins
# from outside (write name.so.tmp, then rename it over name.so). A bind-mounted
# /app/config/server.ini replaces the configuration.
VOLUME ["/app/plugins"]

EXPOSE 8991

# Reads the port from the configuration, so a bind-mounted server.ini with another port
# is still checked correctly.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["/app/bin/healthcheck", "/app/config/server.ini"]

# The server is PID 1 (exec form, no shell): it waits for SIGTERM with sigwait, stops
# accepting, answers the requests in flight and exits 0. Give it longer than the slowest
# request to do so (docker stop -t, default 10 s; a seed request takes 2 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/bin/plugin-host"]
CMD ["--config", "/app/config/server.ini"]
