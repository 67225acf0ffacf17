FROM alpine extra
CMD ["/a"]
