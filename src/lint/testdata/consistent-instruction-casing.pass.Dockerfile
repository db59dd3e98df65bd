FROM alpine:3.20
RUN true
RUN false
USER 1000
