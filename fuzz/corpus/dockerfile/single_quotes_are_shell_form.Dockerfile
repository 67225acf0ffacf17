FROM scratch
CMD ['/app', 'single-quoted']
