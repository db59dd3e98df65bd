FROM golang:1.22-alpine AS build
USER 10001
RUN go build -o /app .

FROM alpine:3.20
COPY --from=build /app /app
ENTRYPOINT ["/app"]
