FROM alpine:3.19 AS tools
ENTRYPOINT ["/bin/build"]
CMD ["all"]

FROM alpine:3.19
COPY --from=tools /bin/build /bin/app
ENTRYPOINT ["/bin/app"]
