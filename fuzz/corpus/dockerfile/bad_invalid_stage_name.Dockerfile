FROM scratch AS 1abc
