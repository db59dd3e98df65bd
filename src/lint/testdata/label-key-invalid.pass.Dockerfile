FROM alpine:3.20
LABEL org.example.team="core"
USER 1000
