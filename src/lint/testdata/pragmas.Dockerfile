# hadolint global ignore=DL3057
FROM alpine:3.20
# hadolint ignore=DL3018
RUN apk add --no-cache tini
# customs ignore=apk-unpinned
RUN apk add --no-cache bash
RUN apk add --no-cache jq
FROM alpine:3.20
# customs stage ignore=root-user,base-image-no-digest
RUN true
