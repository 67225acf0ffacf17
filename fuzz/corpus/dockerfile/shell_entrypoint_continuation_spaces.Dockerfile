FROM alpine:3.19
ENTRYPOINT /usr/local/bin/start.sh \
    --log-level info \
    --port 8080
