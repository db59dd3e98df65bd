FROM alpine:3.20 AS base
USER app

FROM base
USER 0:0
