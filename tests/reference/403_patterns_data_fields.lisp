; data@ fields written as a data pattern require that type; `true` as a pattern matches
; any value; a call whose head is computed may name a data constructor.
(data@ (Pos integer_ integer_) (Disk (Pos _ _) nil) (Box (Pos _ _) nil nil))

(defpat area ((Disk (Pos x y) r)) (* 3 r r))
(defpat area ((Box _ h w)) (* h w))
(defpat area (true) 'unknown)

(println (area (Disk (Pos 1 2) 10)) (area (Box (Pos 0 0) 3 4)))
(println (area ((atom "Disk") (Pos 5 5) 2)))
(println (area (Pos 1 1)) (area nil) (area "text"))
(maybe (Disk 1 2) (println 'refused))
(defpat both (true x) x)
(both nil 'second)
