/** RFC 6750 §3: the `WWW-Authenticate: Bearer` challenge of the endpoints that take access tokens. */
export function bearerChallenge(error?: string, description?: string): string {
  const params = ['realm="scopectl"'];
  if (error) params.push(`error="${error}"`);
  if (description) params.push(`error_description="${description}"`);
  return `Bearer ${params.join(", ")}`;
}
