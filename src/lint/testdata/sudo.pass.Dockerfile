FROM alpine:3.20
RUN make install
USER 1000
