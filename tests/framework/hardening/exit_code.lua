nas.record{name = "before exit", value = 1}
os.exit(3)
