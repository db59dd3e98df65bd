FROM alpine:3.20
RUN mkdir /app && chmod 755 /app
USER 1000
