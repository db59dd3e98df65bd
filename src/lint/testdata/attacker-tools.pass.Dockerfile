FROM alpine:3.20 AS fetch
RUN apk add --no-cache curl=8.9.1-r0
FROM alpine:3.20
COPY --from=fetch /etc/hostname /x
USER 1000
RUN apk add --no-cache --virtual .fetch-deps wget=1.24.5-r0 && wget -O /x https://example.com/x && apk del --no-network .fetch-deps
RUN set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get install -y --no-install-recommends curl=7.88.1-10; apt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; rm -rf /var/lib/apt/lists/*
