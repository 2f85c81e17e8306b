# PostgreSQL 15 from Debian's packages on the debootstrapped base (the smoke
# test's stand-in for the postgres image; no registry is needed).
ARG BASE_IMAGE=localhost/relais-smoke-base:bookworm
FROM ${BASE_IMAGE}
LABEL org.relais.smoke=1
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data/pgdata
VOLUME ["/var/lib/postgresql/data"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
