FROM debian:12-slim
RUN passwd -l root
USER 1000
