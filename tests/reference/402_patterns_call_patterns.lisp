; A pattern whose head is a function or an instruction is a test: its argument variable
; takes the value, then the call must be true (an error in the call is a failed match).
(defun divides (d n) (eq 0 (% n d)))
(defun ordered (p) (< (car p) (cadr p)))

(defpat kind ((integer_ (divides 6 n))) (list 'six n))
(defpat kind ((integer_ (divides 2 n))) (list 'even n))
(defpat kind ((ordered p)) (list 'ordered p))
(defpat kind ((string_ (flip (in "cat" s)))) (list 'cat s))
(defpat kind ((prgx `^\d+$` s)) (list 'digits s))
(defpat kind ((numberp x)) (list 'number x))
(defpat kind (x) (list 'other x))

(println (map 'kind '(12 4 7 2.5)))
(println (kind '(1 5)) (kind '(5 1)))
(println (kind "a cat here") (kind "42") (kind "dog"))
(defpat signe ((integer_ (< 0 x))) 'positive)
(defpat signe ((integer_ (> 0 x))) 'negative)
(defpat signe (_) 'zero_or_other)
(println (map 'signe '(3 -2 0 "s")))
(defpat first_even ([(integer_ (divides 2 x)) $ r]) x)
(defpat first_even ([_ $ r]) (first_even r))
(first_even '(1 3 8 5 10))
