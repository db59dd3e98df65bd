FROM alpine:3.20 AS f
RUN curl -o /a https://example.com/a
FROM alpine:3.20
USER 1000
