FROM alpine:3.20
RUN wget https://example.com/a.tgz
USER 1000
