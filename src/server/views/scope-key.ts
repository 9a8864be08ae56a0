/** One key for an Api's scope in the views' indexes (NUL never appears in a name). */
export const scopeKey = (api: string, scope: string): string => `${api}\u0000${scope}`;
