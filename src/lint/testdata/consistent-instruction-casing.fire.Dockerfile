FROM alpine:3.20
RUN true
run false
USER 1000
