; print and println evaluate all their arguments, then print them
(defun f(x) (print "<" x ">") x)
(println "a" (f 1) "b" (f 2))
(print "x" (f 3) "y")
(println)
(println (+ (f 4) (f 5)))
