FROM alpine:3.20
COPY app.py /app/
ADD rootfs.tar.gz /
USER 1000
