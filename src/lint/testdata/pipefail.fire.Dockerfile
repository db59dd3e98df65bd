FROM alpine:3.20
RUN wget -qO- https://example.com/x | tar xz
USER 1000
