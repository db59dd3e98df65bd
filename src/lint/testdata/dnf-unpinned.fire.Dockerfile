FROM fedora:40
RUN microdnf install -y httpd && microdnf clean all
USER 1000
