FROM registry.example.com/base/alpine:3.20
USER 1000
