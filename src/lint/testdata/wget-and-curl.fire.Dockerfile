FROM alpine:3.20 AS f
RUN curl -o /a https://example.com/a
RUN wget -O /b https://example.com/b
FROM alpine:3.20
USER 1000
