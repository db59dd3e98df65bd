FROM alpine:3.20
CMD ["a"]
CMD ["b"]
USER 1000
