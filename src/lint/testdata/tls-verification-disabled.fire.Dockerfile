FROM alpine:3.20
RUN wget --no-check-certificate https://example.com/x -O /x
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
USER 1000
