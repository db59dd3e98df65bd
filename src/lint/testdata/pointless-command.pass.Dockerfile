FROM alpine:3.20
RUN nginx -t
USER 1000
