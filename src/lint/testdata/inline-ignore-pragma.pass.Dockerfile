FROM alpine:3.20
# hadolint ignore=DL3018
RUN apk add --no-cache curl
USER 1000
