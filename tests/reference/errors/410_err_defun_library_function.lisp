; defun on the name of a library function (not an instruction): the reference says
; "Function ... already declared"; on an instruction: "... is a reserved keyword."
(defun half (x) (/ x 2))
(println (half 8))
(defun tan (x) (* x 2))
