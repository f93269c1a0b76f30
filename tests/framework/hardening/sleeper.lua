-- Holds the run directory for a while (the lock test resumes it meanwhile).
local t = os.time()
while os.time() - t < (tonumber(os.getenv("NASHOST_TEST_SECONDS")) or 5) do end
print("slept")
