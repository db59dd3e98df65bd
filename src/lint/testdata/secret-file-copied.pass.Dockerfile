FROM alpine:3.20
COPY app.py .env.example /app/
USER 1000
