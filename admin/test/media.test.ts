// The media library tells where a file is used, each use a link to the item's form.
import { buildSchema, parse, validate } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildModel, setModel } from '../src/schema/model';
import { loadUsedBy, usedByQuery } from '../src/state/media';
import { SDL, introspect } from './schema';

setModel(buildModel(introspect()));

describe('where a media asset is used', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks for it with a query the schema takes', () => {
    const q = usedByQuery('mediaAsset');
    expect(validate(buildSchema(SDL), parse(q)).map((e) => e.message)).toEqual([]);
    expect(q).toContain('preview: true');
    expect(q).toContain('... on NewsArticle { l_NewsArticle: title }');
  });

  it('gives each use its type, list, label and field', async () => {
    const usedBy = [
      { field: 'coverImage', node: { __typename: 'NewsArticle', id: 'n1', l_NewsArticle: 'Lancement du portail' } },
      { field: 'photo', node: { __typename: 'Person', id: 'p1', l_Person: null } },
      { field: 'body', node: { __typename: 'Elsewhere', id: 'x1' } },
    ];
    const f = vi.fn(async () => new Response(JSON.stringify({ data: { item: { usedBy } } }), { status: 200 }));
    vi.stubGlobal('fetch', f);
    const uses = await loadUsedBy('mediaAsset', 'm1', 'ar');
    expect(JSON.parse((f.mock.calls[0] as unknown as [string, RequestInit])[1].body as string).variables).toEqual({ id: 'm1', l: 'ar' });
    expect(uses).toEqual([
      { field: 'coverImage', typeName: 'NewsArticle', list: 'newsArticles', id: 'n1', label: 'Lancement du portail' },
      { field: 'photo', typeName: 'Person', list: 'people', id: 'p1', label: null },
      { field: 'body', typeName: 'Elsewhere', list: null, id: 'x1', label: null },
    ]);
  });
});
