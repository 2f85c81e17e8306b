// Finding items of a type by what they are called, for pickers and filters.
import { gql } from '../api/client';
import type { ContentType } from '../schema/model';
import type { Ref } from '../schema/values';

const NAMES = ['title', 'name', 'acronym', 'fileName', 'slug'];

/** A filter matching `text` in any of the type's naming fields. */
export function textFilter(type: ContentType, text: string): Record<string, unknown> | null {
  const fields = type.filters.filter((f) => f.type === 'text' && NAMES.includes(f.name));
  if (!text.trim() || fields.length === 0) return null;
  return { or: fields.map((f) => ({ [f.name]: { contains: text.trim() } })) };
}

export async function findItems(type: ContentType, text: string, locale: string, signal?: AbortSignal): Promise<Ref[]> {
  const filter = textFilter(type, text);
  const data = await gql<{ r: { nodes: { id: string; label: string | null; slug: string }[] } }>(
    `query($f: ${type.name}Filter, $l: String) { r: ${type.list}(first: 10, preview: true, locale: $l, filter: $f) { nodes { id label: ${type.label} slug } } }`,
    { f: filter, l: locale },
    signal,
  );
  return data.r.nodes.map((x) => ({ id: x.id, label: x.label ?? x.slug }));
}
