// Unsaved changes kept in this browser until saved, so a reload or a closed tab loses nothing.
// Only the fields the editor changed are kept (and restored over the server's current version).
import type { Values } from '../schema/values';

const PREFIX = 'relais.admin.draft:';

export interface Draft {
  fields: Values;
  savedAt: string;
}

export const draftKey = (type: string, id: string | null) => `${PREFIX}${type}:${id ?? 'new'}`;

export function readDraft(key: string): Draft | null {
  try {
    const s = localStorage.getItem(key);
    return s ? (JSON.parse(s) as Draft) : null;
  } catch {
    return null;
  }
}

export function writeDraft(key: string, fields: Values): void {
  try {
    if (Object.keys(fields).length === 0) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify({ fields, savedAt: new Date().toISOString() }));
  } catch {
    /* storage full or refused: the form still holds the values */
  }
}

export const dropDraft = (key: string) => localStorage.removeItem(key);

/** On sign-out: nothing of anyone's work stays behind in this browser. */
export function dropAllDrafts(): void {
  for (const k of Object.keys(localStorage)) if (k.startsWith(PREFIX)) localStorage.removeItem(k);
}
