FROM scratch
CMD ["/a"] \
