FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0 socat=1.8.0.0-r0
USER 1000
