FROM alpine:3.20
COPY id_rsa .env /app/
USER 1000
