FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 libssl-dev=3.0.15 && rm -rf /var/lib/apt/lists/*
USER 1000
