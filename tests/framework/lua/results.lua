nas.record{ name = "a", value = 1 }
nas.record{ name = "b", value = 2.5 }
nas.report{ title = "T" }
