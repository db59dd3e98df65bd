FROM node:20-slim
RUN yarn install --frozen-lockfile && yarn cache clean
USER 1000
