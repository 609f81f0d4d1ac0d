; defpat on the name of an instruction is refused before it runs
(println "before")
(defpat unique ((integer_ x)) x)
