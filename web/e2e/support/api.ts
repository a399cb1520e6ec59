// The gateway's JSON API as the journeys' checks use it (never to do a journey's own steps).
import { request, type APIRequestContext } from '@playwright/test';
import { BASE_URL } from './paths';
import { seed } from './seed';

export async function apiAs(username: string): Promise<APIRequestContext> {
  const anonymous = await request.newContext({ baseURL: BASE_URL });
  const login = await anonymous.post('/v1/auth/login', { data: { username, password: seed().password } });
  if (login.status() !== 200) throw new Error(`login of ${username}: ${login.status()} ${await login.text()}`);
  const { access_token: token } = await login.json();
  await anonymous.dispose();
  return request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
}

/** every item of a cursor-paged list */
export async function allPages<T>(api: APIRequestContext, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await api.get(url);
    if (res.status() !== 200) throw new Error(`GET ${url}: ${res.status()} ${await res.text()}`);
    const page = await res.json();
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
    if (!cursor) return items;
  }
}
