; A list that contains itself, directly or through another list, prints the inner
; occurrence as ... instead of looping.
(setq a (list 1 2))
(setq b (list 'x))
(push a b)
(push b a)
(println a)
(println b)
(setq loop1 (list 'me))
(push loop1 loop1)
(println loop1 (size loop1))
(setq shared (list 7))
(list shared shared)
