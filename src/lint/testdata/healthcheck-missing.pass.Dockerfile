FROM alpine:3.20 AS base
HEALTHCHECK CMD ["/bin/true"]
FROM base
USER 1000
