; self in tail position of a lambda calls the lambda again without growing the stack.
(println ((lambda (x y) (if (eq x 0) (* 2 y) (self (- x 1) (+ y 2)))) 200000 1))
(setq countdown (lambda (n) (if (eq n 0) 'done (self (- n 1)))))
(countdown 150000)
