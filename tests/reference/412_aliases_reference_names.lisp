; Names the reference accepts for instructions besides their table name:
; outer (°), inner (.), cutlist (slice), and §, • and /\ (infix).
(println (outer '+ '(1 2) '(10 20)))
(println (inner '+ '* '(1 2 3) '(4 5 6)))
(println (cutlist '(1 2 3 4 5) 2))
(println (§ 1 + 2 * 3) (• 10 - 4) (/\ 2 * 5))
(outer (lambda (x y) (list x y)) '(a b) '(1))
