FROM alpine:3.20
LABEL com.docker.team="core"
USER 1000
