-- A module run_record.lua requires: the run record copies it into the run directory.
return { greeting = "from a required module" }
