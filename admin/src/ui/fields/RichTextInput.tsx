// A rich-text body in the content locale, edited with TipTap; the API's document is kept in the form.
import type { Editor } from '@tiptap/core';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../i18n';
import type { ApiDoc } from '../../richtext/convert';
import type { Doc } from '../../schema/values';
import { dirOf } from '../../state/app';
import { contentLocale } from '../../state/content';
import type { Cell } from './cell';
import { Picker } from './RelationInput';

export function RichTextInput({ cell, label }: { cell: Cell<Record<string, Doc | null>>; label: string }) {
  const loc = contentLocale.value;
  const host = useRef<HTMLDivElement>(null);
  const editor = useSignal<Editor | null>(null);
  /** Bumped on every editor transaction, so the toolbar shows the state at the cursor. */
  const tick = useSignal(0);
  useEffect(() => {
    let e: Editor | null = null;
    let gone = false;
    void import('../../richtext/editor').then(({ createEditor }) => {
      if (gone || !host.current) return;
      e = createEditor({
        element: host.current,
        doc: (cell.get()?.[loc] ?? null) as unknown as ApiDoc | null,
        attributes: { lang: loc, dir: dirOf(loc), 'aria-label': label, 'aria-multiline': 'true', role: 'textbox', class: 'rich-text' },
        onChange: (doc) => cell.set({ ...(cell.get() ?? {}), [loc]: doc.blocks.length ? (doc as unknown as Doc) : null }),
        onTransaction: () => void tick.value++,
      });
      editor.value = e;
    });
    return () => {
      gone = true;
      e?.destroy();
      editor.value = null;
    };
  }, [loc]);
  return (
    <div class="rich-text-field">
      {editor.value && <Toolbar editor={editor.value} tick={tick.value} />}
      <div ref={host} />
    </div>
  );
}

function Toolbar({ editor, tick }: { editor: Editor; tick: number }) {
  void tick;
  const showMedia = useSignal(false);
  const b = (name: string, label: string, run: () => void, active = false, title = label) => (
    <button type="button" key={name} aria-pressed={active} title={title} aria-label={title} onMouseDown={(e) => e.preventDefault()} onClick={run}>
      {label}
    </button>
  );
  const c = () => editor.chain().focus();
  const dirNow = (editor.state.selection.$from.node(1)?.attrs.dir as string | null | undefined) ?? null;
  return (
    <div class="rt-toolbar" role="toolbar" aria-label={t('edit')}>
      {b('bold', 'B', () => c().toggleBold().run(), editor.isActive('bold'), 'Bold')}
      {b('italic', 'I', () => c().toggleItalic().run(), editor.isActive('italic'), 'Italic')}
      {b('strike', 'S', () => c().toggleStrike().run(), editor.isActive('strike'), 'Strike')}
      {b('code', '</>', () => c().toggleCode().run(), editor.isActive('code'), 'Code')}
      {b(
        'link',
        'URL',
        () => {
          const href = prompt('URL', (editor.getAttributes('link').href as string | undefined) ?? 'https://');
          if (href === null) return;
          if (href === '') c().unsetLink().run();
          else c().extendMarkRange('link').setLink({ href }).run();
        },
        editor.isActive('link'),
        'Link',
      )}
      <span class="sep" />
      {b('h2', 'H2', () => c().toggleHeading({ level: 2 }).run(), editor.isActive('heading', { level: 2 }), 'Heading 2')}
      {b('h3', 'H3', () => c().toggleHeading({ level: 3 }).run(), editor.isActive('heading', { level: 3 }), 'Heading 3')}
      {b('ul', '•', () => c().toggleBulletList().run(), editor.isActive('bulletList'), 'Bulleted list')}
      {b('ol', '1.', () => c().toggleOrderedList().run(), editor.isActive('orderedList'), 'Numbered list')}
      {b('quote', '❝', () => c().toggleBlockquote().run(), editor.isActive('blockquote'), 'Quote')}
      {b('codeBlock', '{ }', () => c().toggleCodeBlock().run(), editor.isActive('codeBlock'), 'Code block')}
      {b('rule', '―', () => c().setHorizontalRule().run(), false, 'Rule')}
      {b('table', '▦', () => c().insertTable({ rows: 2, cols: 2, withHeaderRow: true }).run(), editor.isActive('table'), 'Table')}
      {b('media', '▣', () => (showMedia.value = !showMedia.value), showMedia.value, 'Media')}
      <span class="sep" />
      {b('ltr', 'LTR', () => c().setTextDirection('ltr').run(), dirNow === 'ltr', 'Left to right')}
      {b('rtl', 'RTL', () => c().setTextDirection('rtl').run(), dirNow === 'rtl', 'Right to left')}
      {b('auto', 'Auto', () => c().unsetTextDirection().run(), dirNow === null, 'Direction of the body')}
      {showMedia.value && (
        <Picker
          id="rt-media-picker"
          target="MediaAsset"
          exclude={[]}
          onPick={(r) => {
            c().insertContent({ type: 'media', attrs: { id: r.id, label: r.label } }).run();
            showMedia.value = false;
          }}
        />
      )}
    </div>
  );
}
