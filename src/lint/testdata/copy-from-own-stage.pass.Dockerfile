FROM alpine:3.20 AS base
FROM alpine:3.20 AS app
COPY --from=base /a /b
USER 1000
