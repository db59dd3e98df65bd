FROM golang:1.22 AS build
RUN apt-get install -y --no-install-recommends bash=5.2.15-2+b2 && go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER 10001
