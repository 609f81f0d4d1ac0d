; (load path name): the space name is not evaluated; the file's definitions go to that space.
(setq lib "/tmp/lispe_408_space_lib.lisp")
(fwrite lib "(defun calc (x) (+ x (* x 2)))")
(setq truc "not the name")
(load lib truc)
(println (space truc (calc 20)))
(maybe (space not_loaded (calc 1)) (println 'no_such_space))
(space truc (calc 2))
