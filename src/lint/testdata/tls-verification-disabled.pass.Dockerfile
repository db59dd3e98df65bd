FROM alpine:3.20
RUN wget https://example.com/x -O /x
ENV NODE_ENV=production
USER 1000
