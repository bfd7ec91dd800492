# Debian's `serf` agent on a base that already holds glibc (the local node base does; the
# binary is dynamically linked against libc only). Tests use it for mixed Shoal/Serf clusters.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
COPY serf /usr/local/bin/serf
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/serf"]
