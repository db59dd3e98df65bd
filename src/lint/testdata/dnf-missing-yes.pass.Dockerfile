FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
USER 1000
