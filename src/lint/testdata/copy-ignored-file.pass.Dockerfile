FROM alpine:3.20
COPY config/app.conf /etc/app.conf
USER 1000
