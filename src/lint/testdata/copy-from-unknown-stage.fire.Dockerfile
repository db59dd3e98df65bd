FROM alpine:3.20
COPY --from=builder /a /a
USER 1000
