// A request to a `berth serve` started by a test (test/support/berth-process.ts), as a bearer token.
/** A request as `token`, with an Idempotency-Key when `key` is given. */
export function apiRequest(
  url: string,
  token: string,
  path: string,
  init: { method?: string; body?: unknown; key?: string } = {},
) {
  return fetch(`${url}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(init.key ? { "idempotency-key": init.key } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}
