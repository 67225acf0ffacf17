FROM debian:12-slim
LABEL org.opencontainers.image.title="demo" \
      version="1.0"
HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost/"]
ONBUILD CMD ["later"]
STOPSIGNAL SIGTERM
VOLUME ["/data"]
EXPOSE 8080/tcp
ENTRYPOINT ["/usr/local/bin/demo", "--config", "/etc/demo.yaml"]
