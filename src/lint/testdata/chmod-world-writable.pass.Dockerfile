FROM alpine:3.20
RUN chmod -R 755 /app
USER 1000
