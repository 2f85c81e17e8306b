# syntax=docker/dockerfile:1
# Relais: a Rust 1.95 build stage, then a small non-root runtime on Debian
# bookworm-slim. Build: `docker build -t relais .` (or `docker compose build`).
# Run alone (SQLite and media under the /data volume):
#   docker run -p 4000:4000 -v relais-data:/data relais

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
COPY . .
# The registry and target folders are build caches (BuildKit), so a source
# change rebuilds Relais only; the binary is copied out of the cache.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin relais \
 && install -D -m 0755 target/release/relais /out/relais

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 relais \
 && useradd --system --uid 10001 --gid relais --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin relais \
 && mkdir -p /data \
 && chown relais:relais /data
COPY --from=builder /out/relais /usr/local/bin/relais
COPY deploy/relais-healthcheck /usr/local/bin/relais-healthcheck
# Defaults for a container alone; docker-compose.yml sets PostgreSQL and S3.
ENV RELAIS_ADDR=0.0.0.0:4000 \
    RELAIS_DATABASE_URL=sqlite:/data/relais.db \
    RELAIS_MEDIA_URL=/data/media
WORKDIR /data
VOLUME ["/data"]
USER relais:relais
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
    CMD ["relais-healthcheck"]
ENTRYPOINT ["relais"]
CMD ["serve"]
