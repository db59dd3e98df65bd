FROM ubuntu:latest
RUN apt-get install -y python3 curl wget nmap netcat
