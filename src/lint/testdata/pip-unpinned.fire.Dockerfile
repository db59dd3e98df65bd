FROM python:3.12-slim
RUN python3 -m pip install --no-cache-dir flask
USER 1000
