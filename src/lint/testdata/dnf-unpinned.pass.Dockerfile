FROM fedora:40
RUN microdnf install -y httpd-2.4.62 && microdnf clean all
USER 1000
