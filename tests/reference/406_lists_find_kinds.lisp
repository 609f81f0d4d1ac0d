; find, findall and count on lists match a number only with a number and a string only
; with a string (unlike =, which reads the second value the way the first wants it).
(setq cells (list 0 0 "." "." 1 "0" 2.0 "2"))
(println (find cells ".") (find cells "0") (find cells 0) (find cells 2) (find cells "2"))
(println (findall cells 0) (findall cells "0") (count cells ".") (count cells 2))
(println (= 0 ".") (find (integers 3 0 5) 0) (find (strings "a" "0") 0))
(println (findall (floats 1.5 2 1.5) 1.5) (find (list 'a "a" 1) "a"))
(println (find (integers 3 0 5) "0") (count (strings "1" "2") 2) (findall (integers 1 2 1) "1"))
