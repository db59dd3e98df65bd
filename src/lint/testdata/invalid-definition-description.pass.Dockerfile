# check=experimental=InvalidDefinitionDescription
FROM alpine:3.20
# VERSION the version to install
ARG VERSION=1.0
USER 1000
