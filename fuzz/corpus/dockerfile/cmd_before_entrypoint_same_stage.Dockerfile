FROM scratch
CMD ["--verbose"]
ENTRYPOINT ["/app"]
