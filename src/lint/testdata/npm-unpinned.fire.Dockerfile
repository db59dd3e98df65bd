FROM node:20-slim
RUN npm install -g express
USER 1000
