# The API and the workers (docker-compose.yml runs both from this image).
FROM python:3.13-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Dependencies first, from the lock: exact versions, every file checked against its hash, and wheels
# only (each locked package has a CPython 3.13 wheel for manylinux x86_64 and aarch64), except
# pdqhash (Meta's PDQ, workers/phash.py), published as an sdist: built here with g++, removed after.
COPY requirements.lock ./
RUN apt-get update && apt-get install -y --no-install-recommends g++ && pip install --only-binary=:all: --require-hashes -r requirements.lock --no-binary=pdqhash && apt-get purge -y g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config config
COPY service service
COPY workers workers
# imgmod itself, without resolving anything again: its dependencies are the locked ones above.
RUN pip install --no-deps . && useradd --system --no-create-home --shell /usr/sbin/nologin imgmod
USER imgmod
EXPOSE 8000
# The check of the command the container runs, inside compose or not: a worker is healthy while it
# has a recent heartbeat in Redis (`imgmod worker --check`), anything else (the API) while /readyz
# answers. (A worker container used to be judged by the API's check, and so always unhealthy.)
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["sh", "-c", "if tr '\\0' ' ' </proc/1/cmdline | grep -q 'imgmod worker'; then imgmod worker --check; else python -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=3)\"; fi"]
CMD ["imgmod", "serve", "--bind", "0.0.0.0:8000", "--workers", "2"]
