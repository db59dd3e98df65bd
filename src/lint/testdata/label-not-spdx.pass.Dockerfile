FROM alpine:3.20
LABEL org.opencontainers.image.source="https://example.com/app" \
      org.opencontainers.image.created="2026-01-02T03:04:05Z" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.revision="2dbfae9" \
      org.opencontainers.image.version="1.2.3" \
      org.opencontainers.image.authors="team@example.com"
USER 1000
