FROM python:3.12-slim
RUN python3 -m pip install --no-cache-dir flask==3.0.3 -r requirements.txt
USER 1000
