FROM scratch
CMD ["/app", "--greeting", "h\u00e9llo \"world\"", "tab\there"]
