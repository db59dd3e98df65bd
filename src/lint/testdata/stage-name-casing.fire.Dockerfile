FROM alpine:3.20 AS Builder
FROM alpine:3.20
USER 1000
