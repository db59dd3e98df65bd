FROM alpine:3.20
RUN sh -c 'apk add --no-cache gcc=13.2.1 && echo $(apk add tcpdump)'
USER 1000
