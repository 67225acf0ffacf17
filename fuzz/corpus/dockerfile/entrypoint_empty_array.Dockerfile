FROM scratch AS base
ENTRYPOINT ["/old"]
FROM base
ENTRYPOINT []
CMD ["/bin/app", "run"]
