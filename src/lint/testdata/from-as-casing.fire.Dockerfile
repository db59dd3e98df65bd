FROM alpine:3.20 as builder
FROM alpine:3.20
USER 1000
