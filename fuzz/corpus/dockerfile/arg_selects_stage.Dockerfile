ARG FLAVOR=release
FROM scratch AS release
ENTRYPOINT ["/release"]
FROM scratch AS debug
ENTRYPOINT ["/debug"]
FROM ${FLAVOR}
CMD ["--x"]
