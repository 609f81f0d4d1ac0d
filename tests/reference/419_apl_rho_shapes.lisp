; rho takes its shape as a list too; a float as the first dimension is refused (the
; reference checks the first one only).
(println (rho (integers 2 3) (iota 6)) (rho (list 2.0 3) (iota 6)) (rho 2 3.0 (iota 6)))
(println (maybe (rho 2.0 3 (iota 6)) 'refused) (maybe (rho (/ 75 25) 2 '(1)) 'refused_too))
(rho 3 '(1))
