; The reader splits a run of operator characters from the letters after it, as the
; reference's tokenizer does: +dr is (+ dr), @i is (@ i); $name and #name stay whole.
; #! starts a comment anywhere.
(setq dr 2)
(setq l '(5 6 7))
(setq i 2)
(println (+dr 10) (@l i) (*i 3)) #! this is a comment (println "no")
(println '(!map +x a+b set@ $abc #abc -1 +2))
(println (size '(-x)) (size '(a-b)))
(-i 1)
