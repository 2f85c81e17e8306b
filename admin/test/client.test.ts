import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, gql, onUnauthenticated } from '../src/api/client';
import { login, logout, sessionExpired, viewer } from '../src/state/session';

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
}

describe('gql', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts JSON to /graphql with the same-origin credentials', async () => {
    const f = answer(200, { data: { viewer: null } });
    vi.stubGlobal('fetch', f);
    expect(await gql('{ viewer { id } }')).toEqual({ viewer: null });
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/graphql');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(init.body as string)).toEqual({ query: '{ viewer { id } }' });
    // No script holds a token: the HttpOnly cookie is the session.
    expect(new Headers(init.headers).has('authorization')).toBe(false);
  });

  it('types errors by extensions.code and keeps the field', async () => {
    vi.stubGlobal('fetch', answer(200, { data: null, errors: [{ message: 'too long', extensions: { code: 'BAD_USER_INPUT', field: 'title' } }] }));
    const e = await gql('mutation { x }').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('BAD_USER_INPUT');
    expect((e as ApiError).byField().get('title')).toBe('too long');
  });

  it('tells the session listeners about UNAUTHENTICATED', async () => {
    vi.stubGlobal('fetch', answer(401, { errors: [{ message: 'log in', extensions: { code: 'UNAUTHENTICATED' } }] }));
    const heard = vi.fn();
    const stop = onUnauthenticated(heard);
    await expect(gql('{ viewer { id } }')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(heard).toHaveBeenCalledOnce();
    stop();
  });

  it('reads CONFLICT', async () => {
    vi.stubGlobal('fetch', answer(200, { data: null, errors: [{ message: 'stale', extensions: { code: 'CONFLICT' } }] }));
    await expect(gql('mutation { x }')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('session', () => {
  afterEach(() => vi.unstubAllGlobals());
  const user = { id: 'u1', email: 'a@example.org', role: 'AUTHOR' };

  it('signs in for the cookie and keeps no token, even one the server would give', async () => {
    const f = answer(200, { data: { login: { token: 'should-not-be-kept', expiresAt: null, user } } });
    vi.stubGlobal('fetch', f);
    await login('a@example.org', 'pw');
    const body = JSON.parse((f.mock.calls[0] as unknown as [string, RequestInit])[1].body as string) as { query: string };
    expect(body.query).toContain('cookie: true');
    expect(body.query).not.toMatch(/\btoken\b/);
    expect(viewer.value).toEqual(user);
    vi.stubGlobal('fetch', answer(200, { data: { viewer: user } }));
    await gql('{ viewer { id } }');
    const [, init] = (fetch as unknown as { mock: { calls: [string, RequestInit][] } }).mock.calls[0] as [string, RequestInit];
    expect(new Headers(init.headers).has('authorization')).toBe(false);
  });

  it('opens the sign-in over the screen when the session ends, and closes it on signing in again', async () => {
    viewer.value = user as never;
    vi.stubGlobal('fetch', answer(401, { errors: [{ message: 'log in', extensions: { code: 'UNAUTHENTICATED' } }] }));
    await expect(gql('mutation { x }')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(sessionExpired.value).toBe(true);
    vi.stubGlobal('fetch', answer(200, { data: { login: { token: null, expiresAt: null, user } } }));
    await login('a@example.org', 'pw');
    expect(sessionExpired.value).toBe(false);
    vi.stubGlobal('fetch', answer(200, { data: { logout: true } }));
    await logout();
    expect(viewer.value).toBeNull();
  });
});
