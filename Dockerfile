# reply-scorer image: `scorer run` (default) or `scorer serve` from the same image.
#   docker build -t reply-scorer:0.1.0 .
#   docker run --rm -e SCORER_KAFKA_BOOTSTRAP=broker:9092 -p 9464:9464 reply-scorer:0.1.0
# The trained model (models/reply-model.skops) is baked in: build after `scorer train`
# (or with the model from the repository). See deploy/README.md.

# --- build: install the package and its dependencies into a virtualenv -------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so editing the code does not re-download them.
COPY pyproject.toml README.md ./
RUN mkdir scorer && touch scorer/__init__.py \
    && pip install ".[postgres]" \
    && pip uninstall -y reply-scorer
COPY scorer ./scorer
RUN pip install --no-deps ".[postgres]"

# --- runtime: slim, no compilers, non-root ------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 scorer \
    && useradd --system --uid 10001 --gid scorer --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin scorer \
    && mkdir -p /app/models /data \
    && chown scorer:scorer /data
COPY --from=build /opt/venv /opt/venv
COPY models/reply-model.skops /app/models/reply-model.skops
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCORER_MODEL_PATH=/app/models/reply-model.skops \
    SCORER_METRICS_PORT=9464 \
    SCORER_STORE_URL=sqlite:////data/flagged.db
WORKDIR /app
USER 10001:10001
# 9464: /metrics, /healthz, /readyz of `scorer run`; 8080: `scorer serve`.
EXPOSE 9464 8080
VOLUME ["/data"]
ENTRYPOINT ["scorer"]
CMD ["run"]
