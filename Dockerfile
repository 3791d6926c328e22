FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY service service
COPY workers workers
RUN pip install --no-cache-dir . && useradd --system imgmod
USER imgmod
EXPOSE 8000
CMD ["imgmod", "serve", "--bind", "0.0.0.0:8000", "--workers", "2"]
