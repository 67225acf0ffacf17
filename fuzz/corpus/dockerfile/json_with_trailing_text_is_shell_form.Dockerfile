FROM scratch
ENTRYPOINT ["/app"] --extra
