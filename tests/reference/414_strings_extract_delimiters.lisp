; @@ on a string with delimiters: "s" (excluded), + "s" (kept), - "s" (its last
; occurrence), a final - (up to the end); a number after a delimiter counts characters.
(setq s "abc fold xyz fold end")
(println (@@ s 0 "fold") "|" (@@ s +"fold" 0) "|" (@@ s "fold" 0) "|" (@@ s -"fold" 0))
(println (@@ s "abc" "xyz") "|" (@@ s -"abc" +"xyz") "|" (@@ s "fold" -) "|" (@@ s +"fold" -"fold"))
(println (@@ s "fold" 3) "|" (@@ s +"fold" 3) "|" (@@ s 4 "end") "|" (@@ s "zzz" 0) "|" (@@ s 2 5) "|" (@@ s 3))
(println (@@ s "abc") "|" (@@ '(1 2 3 4) 1 3) (@@ '(1 2 3 4) 2) (@@ s -1))
