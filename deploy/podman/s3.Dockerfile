# The smoke test's S3-compatible store: moto's server mode (PyPI: moto[server])
# in a venv on the debootstrapped base; path-style requests, any access key.
# It keeps objects in memory (MinIO, in docker-compose.yml, keeps them on
# disk). The wheels are fetched by the host's pip into .stage/wheels (see
# deploy/stack-smoke.sh), so the image build itself needs Debian's mirror only.
ARG BASE_IMAGE=localhost/relais-smoke-base:bookworm
FROM ${BASE_IMAGE}
LABEL org.relais.smoke=1
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv curl \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/moto
COPY .stage/wheels /tmp/wheels
RUN /opt/moto/bin/pip install --no-cache-dir --quiet --no-index --find-links /tmp/wheels "moto[server]" \
 && rm -rf /tmp/wheels
ENV PATH=/opt/moto/bin:$PATH
ENTRYPOINT ["moto_server"]
CMD ["-H", "0.0.0.0", "-p", "9000"]
