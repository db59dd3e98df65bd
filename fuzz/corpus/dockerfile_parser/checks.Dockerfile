# check=skip=JSONArgsRecommended;error=true;experimental=all
# base the base image
FROM alpine:3.20 AS base
ONBUILD RUN apk add curl | sh
ONBUILD ONBUILD RUN x
# checkov:skip=CKV_DOCKER_3
# hadolint ignore=DL3018
LABEL "com.docker.x"="" org.example.url=not-a-url
ENV A=1 B=$A
EXPOSE 127.0.0.1:80:80/TCP
COPY --from=base / /
CMD run
