// Preloaded into every process bench/startup/run.ts measures (`node --require`): at the exit event it
// writes the process's own CPU time (user and system, microseconds, since the process started, as
// getrusage(2) counts it) as one JSON line to fd 3, which the bench reads. It adds the same small cost
// to every command, the `node -e 0` baseline included.
"use strict";
process.on("exit", () => {
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  require("node:fs").writeSync(3, `${JSON.stringify({ userCPUTime, systemCPUTime, maxRSS })}\n`);
});
