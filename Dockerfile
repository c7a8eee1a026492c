# reply-scorer image: `scorer run` (default) or `scorer serve` from the same image.
#   docker build -t reply-scorer:0.1.0 .
#   docker run --rm -e SCORER_KAFKA_BOOTSTRAP=broker:9092 -p 9464:9464 reply-scorer:0.1.0
# The trained model ships inside the package (scorer/data/reply-model.npz, package data),
# so `COPY scorer` brings it in; dependencies are pinned by constraints.txt (the tested set).
# See deploy/README.md.

# --- build: install the package and its dependencies into a virtualenv -------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so editing the code does not re-download them.
COPY pyproject.toml README.md LICENSE constraints.txt ./
RUN mkdir scorer && touch scorer/__init__.py \
    && pip install -c constraints.txt ".[postgres]" \
    && pip uninstall -y reply-scorer
COPY scorer ./scorer
RUN pip install --no-deps -c constraints.txt ".[postgres]" \
    && python -c "from scorer.settings import DEFAULT_MODEL_PATH as p; assert p.is_file(), p"

# --- runtime: slim, no compilers, non-root ------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 scorer \
    && useradd --system --uid 10001 --gid scorer --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin scorer \
    && mkdir -p /app /data \
    && chown scorer:scorer /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCORER_METRICS_PORT=9464 \
    SCORER_STORE_URL=sqlite:////data/flagged.db
WORKDIR /app
USER 10001:10001
# 9464: /metrics, /healthz, /readyz of `scorer run`; 8080: `scorer serve`.
EXPOSE 9464 8080
VOLUME ["/data"]
ENTRYPOINT ["scorer"]
CMD ["run"]
