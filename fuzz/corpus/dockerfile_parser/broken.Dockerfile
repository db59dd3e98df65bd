FROM x
RUN echo \

# c
  "unterminated
CMD ["a", 1]
