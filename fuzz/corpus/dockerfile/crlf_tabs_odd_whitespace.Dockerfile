FROM scratch

	  COPY app /app  
   Cmd		["/app",	"x"]   
