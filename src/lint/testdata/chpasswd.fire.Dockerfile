FROM debian:12-slim
RUN echo 'app:secret' | chpasswd
USER 1000
