; Definitions are run while the program is read: they leave no value, so the program's value
; is that of the last form that is not a definition.
(defun twice (x) (* 2 x))
(println (twice 4))
(+ (twice 5) 1)
(defmacro inc (x) (+ x 1))
(defpat half ((integer_ x)) (/ x 2))
(data@ (Cell _))
(defun thrice (x) (* 3 x))
