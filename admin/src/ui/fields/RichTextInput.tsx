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
      {b('bold', 'B', () => c().toggleBold().run(), editor.isActive('bold'), t('rtBold'))}
      {b('italic', 'I', () => c().toggleItalic().run(), editor.isActive('italic'), t('rtItalic'))}
      {b('strike', 'S', () => c().toggleStrike().run(), editor.isActive('strike'), t('rtStrike'))}
      {b('code', '</>', () => c().toggleCode().run(), editor.isActive('code'), t('rtCode'))}
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
        t('rtLink'),
      )}
      <span class="sep" />
      {b('h2', 'H2', () => c().toggleHeading({ level: 2 }).run(), editor.isActive('heading', { level: 2 }), t('rtH2'))}
      {b('h3', 'H3', () => c().toggleHeading({ level: 3 }).run(), editor.isActive('heading', { level: 3 }), t('rtH3'))}
      {b('ul', '•', () => c().toggleBulletList().run(), editor.isActive('bulletList'), t('rtBullets'))}
      {b('ol', '1.', () => c().toggleOrderedList().run(), editor.isActive('orderedList'), t('rtNumbers'))}
      {b('quote', '❝', () => c().toggleBlockquote().run(), editor.isActive('blockquote'), t('rtQuote'))}
      {b('codeBlock', '{ }', () => c().toggleCodeBlock().run(), editor.isActive('codeBlock'), t('rtCodeBlock'))}
      {b('rule', '―', () => c().setHorizontalRule().run(), false, t('rtRule'))}
      {b('table', '▦', () => c().insertTable({ rows: 2, cols: 2, withHeaderRow: true }).run(), editor.isActive('table'), t('rtTable'))}
      {b('media', '▣', () => (showMedia.value = !showMedia.value), showMedia.value, t('rtMedia'))}
      {editor.isActive('table') && (
        <>
          {b('rowAfter', '+▭', () => c().addRowAfter().run(), false, t('rtRowAfter'))}
          {b('colAfter', '+▯', () => c().addColumnAfter().run(), false, t('rtColAfter'))}
          {b('rowDel', '−▭', () => c().deleteRow().run(), false, t('rtRowDelete'))}
          {b('colDel', '−▯', () => c().deleteColumn().run(), false, t('rtColDelete'))}
          {b('header', 'TH', () => c().toggleHeaderRow().run(), false, t('rtHeaderRow'))}
          {b('tableDel', '×▦', () => c().deleteTable().run(), false, t('rtTableDelete'))}
        </>
      )}
      <span class="sep" />
      {b('ltr', 'LTR', () => c().setTextDirection('ltr').run(), dirNow === 'ltr', t('rtLtr'))}
      {b('rtl', 'RTL', () => c().setTextDirection('rtl').run(), dirNow === 'rtl', t('rtRtl'))}
      {b('auto', 'Auto', () => c().unsetTextDirection().run(), dirNow === null, t('rtAuto'))}
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
