FROM alpine:3.19 AS base
RUN apk add --no-cache tini
ENTRYPOINT ["/sbin/tini", "--"]
USER app

FROM base AS release
COPY app /usr/local/bin/app
CMD ["app", "serve"]
