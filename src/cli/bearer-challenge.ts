/**
 * Reading a `WWW-Authenticate` header (RFC 9110 §11.6.1) for its Bearer challenge's parameters (RFC 6750
 * §3): a 403 `insufficient_scope` names the missing scopes in `scope`. A proper tokenizer rather than a
 * regular expression, because a quoted `error_description` may itself hold `scope="…"`.
 */

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
/** token68 (RFC 9110 §11.2), which a challenge may carry instead of parameters. */
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const SPACE = /[ \t]*/y;

function match(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** A quoted-string starting at `at` (the opening quote): its value with `\` escapes undone, and its end. */
function quoted(text: string, at: number): { value: string; end: number } | undefined {
  let value = "";
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === "\\") i++;
    value += text[i] ?? "";
  }
  return undefined;
}

/**
 * The parameters of the first Bearer challenge in `header`, names lowercased; undefined when the header
 * has no Bearer challenge or cannot be read.
 */
export function bearerChallengeParams(header: string): Map<string, string> | undefined {
  let at = 0;
  let scheme: string | undefined;
  let params = new Map<string, string>();
  const skip = (chars: RegExp) => {
    at += match(chars, header, at)?.length ?? 0;
  };
  while (at < header.length) {
    skip(/[ \t,]*/y);
    const name = match(TOKEN, header, at);
    if (name === undefined) return undefined;
    at += name.length;
    skip(SPACE);
    if (header[at] !== "=") {
      // Not a parameter: the next challenge's scheme. The one read so far is complete.
      if (scheme?.toLowerCase() === "bearer") return params;
      scheme = name;
      params = new Map();
      skip(SPACE);
      const token68 = match(TOKEN68, header, at);
      // A token68 stands alone up to the next comma; `realm="…"` also starts like one, but goes on.
      if (token68 !== undefined && /^[ \t]*(,|$)/.test(header.slice(at + token68.length)))
        at += token68.length;
      continue;
    }
    at++;
    skip(SPACE);
    let value: string | undefined;
    if (header[at] === '"') {
      const q = quoted(header, at);
      if (!q) return undefined;
      value = q.value;
      at = q.end;
    } else {
      value = match(TOKEN, header, at);
      if (value === undefined) return undefined;
      at += value.length;
    }
    if (scheme === undefined) return undefined;
    if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
    skip(SPACE);
  }
  return scheme?.toLowerCase() === "bearer" ? params : undefined;
}
