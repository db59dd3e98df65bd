FROM alpine:3.20 AS build
FROM alpine:3.20 AS final
USER 1000
