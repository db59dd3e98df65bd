FROM alpine:3.20
WORKDIR /app
COPY app.sh bin/
USER 1000
