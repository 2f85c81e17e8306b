# Relais on the debootstrapped base with the binary built on the host, which
# deploy/stack-smoke.sh stages at deploy/podman/.stage/relais (context: deploy/).
ARG BASE_IMAGE=localhost/relais-smoke-base:bookworm
FROM ${BASE_IMAGE}
LABEL org.relais.smoke=1
RUN groupadd --system --gid 10001 relais \
 && useradd --system --uid 10001 --gid relais --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin relais \
 && mkdir -p /data \
 && chown relais:relais /data
COPY podman/.stage/relais /usr/local/bin/relais
COPY relais-healthcheck /usr/local/bin/relais-healthcheck
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
