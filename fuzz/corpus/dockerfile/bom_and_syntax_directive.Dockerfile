# syntax=docker/dockerfile:1.4
# escape=\
FROM scratch
CMD ["/app"]
