// A rich-text body per locale. (First version: the document as JSON; the TipTap editor replaces it.)
import { dirOf } from '../../state/app';
import { contentLocale } from '../../state/content';
import type { Doc } from '../../schema/values';
import type { Cell } from './cell';

export function RichTextInput({ cell, label }: { cell: Cell<Record<string, Doc | null>>; label: string }) {
  const loc = contentLocale.value;
  const docs = cell.get() ?? {};
  const doc = docs[loc];
  return (
    <textarea
      class="code"
      rows={8}
      lang={loc}
      dir={dirOf(loc)}
      aria-label={label}
      value={doc ? JSON.stringify(doc, null, 1) : ''}
      onChange={(e) => {
        const s = e.currentTarget.value.trim();
        try {
          cell.set({ ...docs, [loc]: s ? (JSON.parse(s) as Doc) : null });
        } catch {
          /* keep the last valid document */
        }
      }}
    />
  );
}
