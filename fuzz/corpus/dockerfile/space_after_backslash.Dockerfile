FROM scratch
CMD ["/app", \   
     "y"]
