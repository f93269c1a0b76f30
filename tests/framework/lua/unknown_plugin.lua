local d = nas.dataset("fashion-mnst", {})
