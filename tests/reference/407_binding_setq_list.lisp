; (setq (a b ...) value) binds each variable to the element in its place; inside a function
; the variables are local.
(setq (x y) '(1 2))
(println x y)
(defun spread (p)
   (setq (u v w) p)
   (list w v u))
(println (spread (integers 7 8 9)) (spread (strings "a" "b" "c")))
(setq (k) (list 'one))
(println k)
(maybe (setq (x y) '(1 2 3)) (println 'size_mismatch))
(setq (i j) (list (+ x 10) (* y 10)))
(list i j)
