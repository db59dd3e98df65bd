FROM debian:12 AS build
USER root
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out /app
USER 65532:65532
ENTRYPOINT ["/app"]
