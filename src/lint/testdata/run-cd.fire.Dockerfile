FROM alpine:3.20
RUN cd /tmp && make
USER 1000
