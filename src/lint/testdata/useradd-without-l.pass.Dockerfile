FROM debian:12-slim
RUN useradd -l -u 1000000 app
USER 1000000
