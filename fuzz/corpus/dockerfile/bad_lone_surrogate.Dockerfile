FROM scratch
CMD ["\ud800"]
