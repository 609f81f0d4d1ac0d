; pushtrue leaves out nil, false and empty lists only: 0, "" and {} are pushed.
(setq kept ())
(pushtrue kept 1 0 nil "" false () {} 0.0 (integers) (integers 7))
(println kept)
(setq evens ())
(loop i (range 0 6 1) (pushtrue evens (andvalue (eq (% i 2) 0) (* 10 i))))
evens
