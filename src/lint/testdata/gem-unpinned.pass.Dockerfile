FROM ruby:3.3-slim
RUN gem install rails:7.1.3
USER 1000
