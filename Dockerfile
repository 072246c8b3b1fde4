# Sentient Factory: the app, its CLI and the embedded local model (llama.cpp server + SmolLM2-135M GGUF).
# Two stages: llama-cpp-python compiles from source (compilers only in the build stage).
#   docker build -t sentient-factory .
# torch comes in through sentence-transformers; constraints.txt pins the CPU build. On Linux, point
# PIP_EXTRA_INDEX_URL at PyTorch's CPU wheel index so pip does not pull the multi-GB CUDA wheels.
ARG PYTHON=3.11

FROM python:${PYTHON}-slim AS build
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake ninja-build git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY scripts scripts
COPY sentient sentient
COPY warehouse warehouse
COPY agent agent
COPY prompts prompts
COPY retrieval retrieval
COPY tools tools
COPY channels channels
COPY guardrails guardrails
COPY eval eval
COPY models models
COPY alerts alerts
COPY textkit textkit
COPY telemetry telemetry
COPY semantic semantic
COPY erp erp
# The same portable llama.cpp build as `make install` (scripts/install-llama.sh is the one recipe).
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip \
    && scripts/install-llama.sh /opt/venv/bin/python \
    && /opt/venv/bin/pip install -c constraints.txt .

FROM python:${PYTHON}-slim
# libgomp: llama.cpp's OpenMP threads; curl-free health checks use python. tesseract: alarm-screen photos
# sent over WhatsApp (English and Indonesian data).
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
        tesseract-ocr tesseract-ocr-eng tesseract-ocr-ind \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 sentient
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY manuals manuals
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 DATA_DIR=/app/data
RUN mkdir -p /app/data && chown sentient:sentient /app/data
USER sentient
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"
# Migrate, load the sample data once, ingest the manuals, serve (LLM_BASE_URL unset: the local sidecar).
CMD ["sh", "-c", "sentient db upgrade && sentient seed && sentient ingest && sentient serve --host 0.0.0.0 --port 8000"]
