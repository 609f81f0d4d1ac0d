; (@@ l i -) reaches the end of a list; join takes the two halves of a dotted pair.
(println (@@ '(1 2 3 4) 1 -) (@@ (strings "a" "b" "c") 1 -) (@@ (integers 5 6 7) 2 -))
(println (join (cons "1" "2") "") (join (cons 'a 'b) "-"))
(integer (join (cons (car '("4" "x")) (last '("y" "2"))) ""))
