/**
 * Runs the example: `node examples/resource-server/server.mjs`, next to `npm start`. Settings come from
 * examples/resource-server/.env when it exists (copy .env.example), else from the environment.
 */
import path from "node:path";
import { createCatalogApi } from "./app.mjs";

try {
  process.loadEnvFile(path.join(import.meta.dirname, ".env"));
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}

const env = (name) => process.env[name]?.trim() || undefined;
const issuer = env("SCOPECTL_ISSUER_URL") ?? "http://localhost:8080";
const clientSecret = env("CATALOG_API_CLIENT_SECRET");
if (!clientSecret) {
  console.error(
    "catalog-api: set CATALOG_API_CLIENT_SECRET to the catalog-api Application's client secret " +
      "(npm start prints it once, when it creates the application): copy examples/resource-server/.env.example " +
      "to examples/resource-server/.env and paste it there",
  );
  process.exit(1);
}

let app;
try {
  app = await createCatalogApi({
    issuer,
    clientSecret,
    clientId: env("CATALOG_API_CLIENT_ID"),
    jwksUri: env("SCOPECTL_JWKS_URI"),
    introspectionEndpoint: env("SCOPECTL_INTROSPECTION_ENDPOINT"),
  });
} catch (err) {
  console.error(`catalog-api: ${err.message}`);
  process.exit(1);
}
const port = Number(env("PORT") ?? 3001);
const server = app.listen(port, "localhost", () => {
  console.log(`catalog-api: http://localhost:${port}/catalog (tokens from ${issuer})`);
});
server.on("error", (err) => {
  console.error(`catalog-api: ${err.message}`);
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => server.close());
