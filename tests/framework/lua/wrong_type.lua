local d = nas.dataset("synthetic-images", { classes = "ten" })
