FROM docker.io/library/alpine:3.20
USER 1000
