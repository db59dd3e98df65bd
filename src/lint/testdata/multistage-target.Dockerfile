FROM alpine:3.20 AS dev
RUN apk add --no-cache gdb=15.0-r0

FROM alpine:3.20 AS prod
USER 1000
