/**
 * Runs the example: `node examples/web-app/server.mjs`. Settings come from examples/web-app/.env when
 * it exists (copy .env.example), else from the environment.
 */
import path from "node:path";
import { createWebApp } from "./app.mjs";

try {
  process.loadEnvFile(path.join(import.meta.dirname, ".env"));
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}

let app;
try {
  app = await createWebApp(process.env);
} catch (err) {
  console.error(`web-app: ${err.message}`);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, "localhost", () => {
  console.log(`web-app: http://localhost:${port} (signs in through ${process.env.SCOPECTL_ISSUER_URL})`);
});
server.on("error", (err) => {
  console.error(`web-app: ${err.message}`);
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => server.close());
