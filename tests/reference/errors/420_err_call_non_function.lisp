; calling a value that is not a function is a LispE error
(setq g 5)
(println "before")
(g 1)
