FROM alpine:3.20
COPY app.sh bin/
USER 1000
