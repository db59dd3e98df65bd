FROM alpine:3.20 AS builder
FROM alpine:3.20
USER 1000
