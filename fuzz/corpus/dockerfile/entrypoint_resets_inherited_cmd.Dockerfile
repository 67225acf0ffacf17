FROM scratch AS a
CMD ["--from-a"]
FROM a
ENTRYPOINT ["/app"]
