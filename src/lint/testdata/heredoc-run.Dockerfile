FROM debian:12-slim
RUN <<EOF
apt-get update
apt-get install -y netcat-openbsd
EOF
USER 1000
