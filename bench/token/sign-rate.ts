/**
 * Baseline for bench/token: how many RFC 9068 access tokens jose signs per second in one process on
 * this machine, with the claims scopectl puts in a client credentials token, CONCURRENCY signatures in
 * flight (jose signs with WebCrypto, whose jobs run on libuv's thread pool: with more than one in
 * flight, several cores sign). Prints `{"rate": N}`.
 *   sign-rate.ts ALG SECONDS [CONCURRENCY=1]
 */
import { randomUUID } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";

const [alg = "RS256", seconds = "5", concurrency = "1"] = process.argv.slice(2);
const { privateKey } = await generateKeyPair(alg);
const claims = {
  client_id: "bench-client",
  azp: "bench-client",
  scope: "read:things write:things",
  scp: ["read:things", "write:things"],
};
const sign = () =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, typ: "at+jwt", kid: "bench" })
    .setIssuer("http://127.0.0.1")
    .setSubject("bench-client")
    .setAudience(["https://api.example.com"])
    .setIssuedAt()
    .setExpirationTime("1h")
    .setJti(randomUUID())
    .sign(privateKey);

for (let i = 0; i < 200; i++) await sign(); // warm up
const until = performance.now() + Number(seconds) * 1000;
let count = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (performance.now() < until) {
      await sign();
      count++;
    }
  }),
);
console.log(JSON.stringify({ rate: count / ((performance.now() - started) / 1000) }));
