FROM alpine:3.20
RUN wget -q https://example.com/a.tgz
USER 1000
