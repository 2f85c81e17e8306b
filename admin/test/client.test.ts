import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, gql, onUnauthenticated } from '../src/api/client';

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
