FROM golang:1.22-alpine AS build
RUN go install golang.org/x/tools/gopls@v0.16.1
FROM alpine:3.20
USER 1000
