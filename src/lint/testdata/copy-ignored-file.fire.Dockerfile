FROM alpine:3.20
COPY secrets/app.conf /etc/app.conf
USER 1000
