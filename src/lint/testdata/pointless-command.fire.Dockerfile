FROM alpine:3.20
RUN service nginx start
USER 1000
