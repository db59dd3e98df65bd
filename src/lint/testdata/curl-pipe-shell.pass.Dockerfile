FROM alpine:3.20
RUN curl -fsSLo /tmp/i.sh https://example.com/install.sh && sha256sum -c /tmp/sum && sh /tmp/i.sh
USER 1000
