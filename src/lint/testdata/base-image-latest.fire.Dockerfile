FROM alpine:latest
USER 1000
