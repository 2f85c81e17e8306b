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
