// Uploading files as media assets, several at once, each with its progress and the server's verdict.
import { signal } from '@preact/signals';
import { gql } from '../api/client';
import { upload } from '../api/upload';
import { model, unwrap } from '../schema/model';

export interface Upload {
  key: number;
  name: string;
  progress: number;
  error: string | null;
  id: string | null;
}

/** The mutation that makes a `typeName` from a file (`uploadMedia(file: Upload!, …)`), if any. */
export function uploadMutation(typeName: string): { name: string; fileArg: string } | null {
  const m = model().raw.get('Mutation')?.fields?.find(
    (f) => unwrap(f.type).name === typeName && !f.args?.some((a) => a.name === 'id') && f.args?.some((a) => unwrap(a.type).name === 'Upload'),
  );
  const fileArg = m?.args?.find((a) => unwrap(a.type).name === 'Upload')?.name;
  return m && fileArg ? { name: m.name, fileArg } : null;
}

/** The mutation that swaps an item's file (`replaceMediaFile(id, version, file)`), if any. */
export function replaceMutation(typeName: string): { name: string; fileArg: string } | null {
  const m = model().raw.get('Mutation')?.fields?.find(
    (f) => unwrap(f.type).name === typeName && f.args?.some((a) => a.name === 'id') && f.args?.some((a) => unwrap(a.type).name === 'Upload'),
  );
  const fileArg = m?.args?.find((a) => unwrap(a.type).name === 'Upload')?.name;
  return m && fileArg ? { name: m.name, fileArg } : null;
}

export const uploads = signal<Upload[]>([]);
let next = 0;

function patch(key: number, p: Partial<Upload>) {
  uploads.value = uploads.value.map((u) => (u.key === key ? { ...u, ...p } : u));
}

/** Uploads files one request each, all at once; resolves when every one has an answer. */
export async function uploadFiles(typeName: string, files: File[]): Promise<void> {
  const m = uploadMutation(typeName);
  if (!m) return;
  await Promise.all(
    files.map(async (file) => {
      const key = ++next;
      uploads.value = [...uploads.value, { key, name: file.name, progress: 0, error: null, id: null }];
      try {
        const d = await upload<{ r: { id: string } }>(
          `mutation($f: Upload!) { r: ${m.name}(${m.fileArg}: $f) { id } }`,
          {},
          'f',
          file,
          (progress) => patch(key, { progress }),
        );
        patch(key, { progress: 1, id: d.r.id });
      } catch (e) {
        patch(key, { error: (e as Error).message });
      }
    }),
  );
}

export async function replaceFile(typeName: string, id: string, version: number, file: File, onProgress: (p: number) => void): Promise<void> {
  const m = replaceMutation(typeName);
  if (!m) return;
  await upload(`mutation($id: ID!, $v: Int!, $f: Upload!) { r: ${m.name}(id: $id, version: $v, ${m.fileArg}: $f) { id version } }`, { id, v: version }, 'f', file, onProgress);
}

/** Small square previews of the images among `ids` (one request; other kinds get none). */
export async function thumbnails(one: string, ids: string[]): Promise<Record<string, string>> {
  if (ids.length === 0) return {};
  const kinds = await gql<Record<string, { kind: string | null } | null>>(
    `{ ${ids.map((id, i) => `m${i}: ${one}(id: ${JSON.stringify(id)}, preview: true) { kind }`).join(' ')} }`,
  );
  const images = ids.filter((_, i) => kinds[`m${i}`]?.kind === 'IMAGE');
  if (images.length === 0) return {};
  const urls = await gql<Record<string, { url: string | null } | null>>(
    `{ ${images.map((id, i) => `m${i}: ${one}(id: ${JSON.stringify(id)}, preview: true) { url(transform: { width: 64, height: 64, fit: COVER }) }`).join(' ')} }`,
  );
  return Object.fromEntries(images.flatMap((id, i) => (urls[`m${i}`]?.url ? [[id, urls[`m${i}`]?.url as string]] : [])));
}

/** One place a media asset is used: an item and the field naming it. */
export interface Use {
  field: string;
  /** The item's type (`NewsArticle`), its list when the admin edits that type. */
  typeName: string;
  list: string | null;
  id: string;
  label: string | null;
}

/**
 * What `usedBy` needs selected: the field and, per content type, the item's
 * label under an alias of its own (`l_NewsArticle: title`), since the label
 * fields of different types need not have one shape.
 */
export function usedBySelection(): string {
  const labels = model()
    .types.map((t) => `... on ${t.name} { l_${t.name}: ${t.label} }`)
    .join(' ');
  return `usedBy { field node { __typename id ${labels} } }`;
}

/** The request for `loadUsedBy`: the working copy's uses (`preview: true`), labels in `$l`. */
export const usedByQuery = (one: string) => `query($id: ID!, $l: String) { item: ${one}(id: $id, preview: true, locale: $l) { ${usedBySelection()} } }`;

/** Where the media asset `id` of type `one` is used, in its working copy; labels in `locale`. */
export async function loadUsedBy(one: string, id: string, locale: string): Promise<Use[]> {
  type Raw = { field: string; node: { __typename: string; id: string } & Record<string, string | null> };
  const d = await gql<{ item: { usedBy: Raw[] } | null }>(usedByQuery(one), { id, l: locale });
  const m = model();
  return (d.item?.usedBy ?? []).map((u) => ({
    field: u.field,
    typeName: u.node.__typename,
    list: m.byName.get(u.node.__typename)?.list ?? null,
    id: u.node.id,
    label: u.node[`l_${u.node.__typename}`] ?? null,
  }));
}
