FROM alpine:3.19
RUN addgroup -S app && adduser -S app -G app
USER app:app
CMD ["/bin/sh", "-c", "exec /srv/run"]
