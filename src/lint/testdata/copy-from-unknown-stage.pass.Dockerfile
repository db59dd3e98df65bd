FROM alpine:3.20 AS builder
FROM alpine:3.20
COPY --from=builder /a /a
COPY --from=nginx:1.27 /etc/nginx /etc/nginx
USER 1000
