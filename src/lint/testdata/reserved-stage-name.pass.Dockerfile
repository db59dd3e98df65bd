FROM alpine:3.20 AS base
FROM alpine:3.20
USER 1000
