FROM opensuse/leap:15.6
RUN zypper install -y httpd && zypper clean
USER 1000
