FROM scratch
USER root
ENTRYPOINT ["/app"]
