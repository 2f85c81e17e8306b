// Uploading files as media assets, several at once, each with its progress and the server's verdict.
import { signal } from '@preact/signals';
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
