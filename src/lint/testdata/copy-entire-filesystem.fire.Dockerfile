FROM alpine:3.20 AS build
RUN echo built > /out
FROM alpine:3.20
COPY --from=build / /
USER 1000
