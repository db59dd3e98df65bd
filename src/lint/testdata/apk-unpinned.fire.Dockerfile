FROM alpine:3.20
RUN apk add --no-cache tini
USER 1000
