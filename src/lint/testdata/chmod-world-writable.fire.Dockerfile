FROM alpine:3.20
RUN chmod -R 777 /app
USER 1000
