FROM scratch
COPY app /app
ENTRYPOINT exec /app --flag
CMD ["ignored"]
