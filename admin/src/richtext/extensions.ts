// The editor's schema: what the API's document can hold, and nothing more.
import { Extension, Node, mergeAttributes } from '@tiptap/core';
import { TableKit } from '@tiptap/extension-table';
import StarterKit from '@tiptap/starter-kit';

/** Block types that carry a direction (`dir`: ltr, rtl or auto); none means "inherit". */
export const DIRECTED = ['paragraph', 'heading', 'bulletList', 'orderedList', 'blockquote', 'codeBlock', 'media', 'table', 'horizontalRule'];

const Direction = Extension.create({
  name: 'blockDirection',
  addGlobalAttributes() {
    return [
      {
        types: DIRECTED,
        attributes: {
          dir: {
            default: null,
            parseHTML: (el: HTMLElement) => {
              const d = el.getAttribute('dir');
              return d === 'ltr' || d === 'rtl' || d === 'auto' ? d : null;
            },
            renderHTML: (a: Record<string, unknown>) => (a.dir ? { dir: a.dir } : {}),
          },
        },
      },
    ];
  },
});

/** A media asset from the library, embedded by id, with an optional caption. */
export const Media = Node.create({
  name: 'media',
  group: 'block',
  atom: true,
  draggable: true,
  addAttributes() {
    return {
      id: { default: '', parseHTML: (el: HTMLElement) => el.getAttribute('data-media-id') ?? '' },
      caption: { default: null, parseHTML: (el: HTMLElement) => el.querySelector('figcaption')?.textContent ?? null },
      label: { default: null, rendered: false },
    };
  },
  parseHTML() {
    return [{ tag: 'figure[data-media-id]' }];
  },
  renderHTML({ node, HTMLAttributes }) {
    const { id, caption, ...rest } = HTMLAttributes as Record<string, unknown>;
    return [
      'figure',
      mergeAttributes(rest, { 'data-media-id': id, class: 'media-embed' }),
      ['span', { class: 'media-id' }, `▣ ${String(node.attrs.label ?? id)}`],
      ['figcaption', {}, String(caption ?? '')],
    ];
  },
});

export function extensions() {
  return [
    StarterKit.configure({
      underline: false,
      // It adds an empty paragraph after a last table or rule: not in the document the API holds.
      trailingNode: false,
      link: { openOnClick: false, autolink: true, protocols: ['mailto', 'tel'], HTMLAttributes: { rel: 'noopener noreferrer', target: null } },
    }),
    TableKit.configure({ table: { resizable: false } }),
    Media,
    Direction,
  ];
}
