FROM node:20-slim
RUN npm install -g express@4.19.2
USER 1000
