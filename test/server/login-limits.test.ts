/**
 * The failed sign-in limits of `POST /oauth2/login` with their default numbers (src/server/login/
 * login-limiter.ts), over real HTTP from several loopback addresses: a password check is reserved before
 * it runs, so parallel guesses cannot exceed a limit; a guesser's address is refused without locking the
 * account's owner out; many addresses together get a bounded number of checks per account; an address
 * that keeps failing across accounts is blocked for longer.
 *
 * A password check is counted by its answer: 400 "incorrect" means the password was verified, 429 means
 * the limiter refused before any check.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type FormAnswer, loopbackAddress, postFormFrom } from "../support/from-address.ts";
import { authorizeUrl, openAuthorize, PASSWORD, serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const OWNER = "alice@example.com";

/** A login form (token and cookie) any address may submit: the form token is not bound to an address. */
async function loginForm(issuer: string) {
  const page = await openAuthorize(authorizeUrl(issuer).url);
  assert.equal(page.status, 200, page.html.slice(0, 300));
  const csrfToken = page.csrfToken ?? assert.fail("no csrf_token");
  const cookie = page.cookie ?? assert.fail("no cookie");
  return (address: string, email: string, password: string): Promise<FormAnswer> =>
    postFormFrom(address, `${issuer}/oauth2/login`, { csrf_token: csrfToken, email, password }, cookie);
}

/** How many answers were password checks (400) and refusals (429); anything else fails the test. */
function tally(answers: FormAnswer[]): { checked: number; refused: number } {
  let checked = 0;
  let refused = 0;
  for (const answer of answers) {
    if (answer.status === 400) {
      assert.match(answer.html, /The email or password is incorrect\./);
      checked++;
    } else if (answer.status === 429) {
      assert.ok(Number(answer.headers.get("retry-after")) > 0, "a 429 carries Retry-After");
      refused++;
    } else {
      assert.fail(`unexpected answer ${answer.status}: ${answer.html.slice(0, 300)}`);
    }
  }
  return { checked, refused };
}

/** `attempts` wrong passwords for `email` from each address, one after another per address, addresses in parallel. */
async function guessFrom(
  submit: Awaited<ReturnType<typeof loginForm>>,
  addresses: string[],
  email: string,
  attempts: number,
): Promise<FormAnswer[]> {
  const perAddress = await Promise.all(
    addresses.map(async (address) => {
      const answers: FormAnswer[] = [];
      for (let i = 0; i < attempts; i++) answers.push(await submit(address, email, `wrong ${address} ${i}`));
      return answers;
    }),
  );
  return perAddress.flat();
}

const addresses = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => loopbackAddress(from + i));

describe("failed sign-in limits", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("40 parallel wrong passwords for one account from one address run exactly 5 password checks", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const submit = await loginForm(issuer);
    const address = loopbackAddress(0);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => submit(address, OWNER, `wrong ${i}`)),
    );
    assert.deepEqual(tally(answers), { checked: 5, refused: 35 });
  });

  test("a guesser's address is refused on the account while the owner at another address signs in", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const submit = await loginForm(issuer);
    const [attacker, owner] = [loopbackAddress(0), loopbackAddress(1)];
    for (let i = 0; i < 5; i++) assert.equal((await submit(attacker, OWNER, `wrong ${i}`)).status, 400);
    // The attacker's address is refused before any check, even with the right password ...
    const refused = await submit(attacker, OWNER, PASSWORD);
    assert.equal(refused.status, 429, refused.html.slice(0, 300));
    // ... the owner, at their own address, is not.
    const signedIn = await submit(owner, OWNER, PASSWORD);
    assert.equal(signedIn.status, 303, signedIn.html.slice(0, 300));
  });

  test("five failures each from 10 addresses do not lock the owner out of a fresh address", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const submit = await loginForm(issuer);
    const { checked } = tally(await guessFrom(submit, addresses(0, 10), OWNER, 5));
    assert.ok(checked <= 30, `${checked} password checks`);
    const signedIn = await submit(loopbackAddress(50), OWNER, PASSWORD);
    assert.equal(signedIn.status, 303, signedIn.html.slice(0, 300));
  });

  test("60 addresses together get at most 30 password checks per account; the owner's known address still signs in", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const submit = await loginForm(issuer);
    // The owner signed in from this address before the attack: it is a known address of the account.
    const known = loopbackAddress(100);
    assert.equal((await submit(known, OWNER, PASSWORD)).status, 303);

    const answers = await guessFrom(submit, addresses(0, 60), OWNER, 5);
    const { checked, refused } = tally(answers);
    assert.equal(checked, 30, "the per-account budget of an hour is spent, and no more");
    assert.equal(refused, 300 - 30);

    // With the budget spent, a fresh address is refused for this account (the price of a bound) ...
    const fresh = await submit(loopbackAddress(101), OWNER, PASSWORD);
    assert.equal(fresh.status, 429, fresh.html.slice(0, 300));
    // ... other accounts are not affected, and the owner's known address still signs in.
    assert.equal((await submit(loopbackAddress(101), "bob@example.com", PASSWORD)).status, 303);
    const owner = await submit(known, OWNER, PASSWORD);
    assert.equal(owner.status, 303, owner.html.slice(0, 300));
  });

  test("an address that fails 20 times across accounts is blocked for an hour; other addresses are not", async (t) => {
    const { issuer } = await serveUserTenant(t);
    const submit = await loginForm(issuer);
    const sprayer = loopbackAddress(0);
    // One guess each at 20 accounts (unknown ones cost and answer the same as known ones).
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => submit(sprayer, `user${i}@example.com`, "Winter2024!")),
    );
    assert.deepEqual(tally(answers), { checked: 20, refused: 0 });

    const blocked = await submit(sprayer, "bob@example.com", PASSWORD);
    assert.equal(blocked.status, 429, blocked.html.slice(0, 300));
    const retryAfter = Number(blocked.headers.get("retry-after"));
    assert.ok(retryAfter > 900 && retryAfter <= 3600, `Retry-After ${retryAfter}: the longer block`);
    assert.match(blocked.html, /Try again in 60 minutes\./);
    assert.equal((await submit(sprayer, OWNER, PASSWORD)).status, 429, "every account, from that address");

    assert.equal((await submit(loopbackAddress(1), "bob@example.com", PASSWORD)).status, 303);
  });
});
