LABEL org.example.team=core
FROM alpine:3.20
USER 1000
