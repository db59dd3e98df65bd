FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 && rm -rf /var/lib/apt/lists/*
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /bin/true /app
USER 1000
