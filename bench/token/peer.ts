/**
 * The peer of bench/token: oidc-provider set up for the client credentials grant with JWT access
 * tokens (resource indicators, RFC 8707), one confidential client, signing with ALG.
 *   peer.ts ALG PORT      prints "listening" when ready
 */
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type AsymmetricSigningAlgorithm } from "oidc-provider";

const [algArg = "RS256", port = "0"] = process.argv.slice(2);
const alg = algArg as AsymmetricSigningAlgorithm;
const { privateKey } = await generateKeyPair(alg, { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg, use: "sig", kid: "peer" };
const resource = "https://api.example.com";

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "bench-client",
      client_secret: "bench-secret-0123456789abcdef0123456789abcdef",
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_post",
      // The client's default (RS256) must be a key the provider has: with only an ES256 key, set it.
      id_token_signed_response_alg: alg,
      scope: "read:things write:things",
    },
  ],
  jwks: { keys: [jwk] },
  scopes: ["read:things", "write:things"],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: "read:things write:things",
        audience: resource,
        accessTokenTTL: 3600,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg } },
      }),
    },
  },
});
provider.proxy = false;
const server = provider.listen(Number(port), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
