FROM scratch AS base
ONBUILD CMD ["/x"]
FROM base
ENTRYPOINT ["/a"]
