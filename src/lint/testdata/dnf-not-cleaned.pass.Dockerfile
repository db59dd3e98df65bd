FROM fedora:40
RUN --mount=type=cache,target=/var/cache/dnf dnf install -y httpd-2.4.62
USER 1000
