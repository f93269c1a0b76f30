local d = nas.dataset("synthetic-images", { clases = 3 })
