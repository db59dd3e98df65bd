FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app

FROM debian:12-slim
RUN apt-get install -y --no-install-recommends bash=5.2.15-2+b2
COPY --from=build /bin/busybox /out/app /usr/local/bin/
USER 10001
