FROM alpine:3.20
COPY a.py b.py /app/
USER 1000
