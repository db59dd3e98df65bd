FROM debian:12-slim
USER 1000
