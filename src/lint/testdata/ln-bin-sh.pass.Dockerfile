FROM debian:12-slim
SHELL ["/bin/bash", "-c"]
USER 1000
