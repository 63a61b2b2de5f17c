# One image for both processes: the API (default CMD) and the worker (`deep-research worker`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
WORKDIR /app

# Metadata first, then the packages: a change in the code does not re-resolve the dependencies' layer
# any more than it must.
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY api ./api
COPY worker ./worker
COPY cli ./cli
RUN pip install . && rm -rf build *.egg-info

USER app

# Railway/Heroku set PORT; compose sets it too. Logs are JSON lines (no TTY in a container).
ENV PORT=8000 \
    LOG_FORMAT=json
EXPOSE 8000

# The Procfile's `web` line; `exec` hands PID 1 to the server so SIGTERM reaches it.
CMD ["sh", "-c", "exec deep-research api --host 0.0.0.0 --port $PORT"]
