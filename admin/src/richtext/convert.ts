// The API's rich-text document (README "Rich text") ↔ the editor's (TipTap /
// ProseMirror JSON). Lossless both ways for every block, mark and direction.

export type Dir = 'ltr' | 'rtl' | 'auto';
export type MarkName = 'bold' | 'italic' | 'code' | 'strike';
export type Inline = { type: 'text'; text: string; marks?: MarkName[] } | { type: 'link'; href: string; content: Inline[] } | { type: 'break' };
type WithDir = { dir?: Dir };
export type Block = WithDir &
  (
    | { type: 'paragraph'; content: Inline[] }
    | { type: 'heading'; level: number; content: Inline[] }
    | { type: 'list'; ordered: boolean; items: Block[][] }
    | { type: 'quote'; blocks: Block[] }
    | { type: 'code'; text: string }
    | { type: 'media'; id: string; caption?: string }
    | { type: 'table'; header: Inline[][]; rows: Inline[][][] }
    | { type: 'rule' }
  );
export interface ApiDoc {
  type: 'doc';
  blocks: Block[];
}

export interface PMMark {
  type: string;
  attrs?: Record<string, unknown>;
}
export interface PMNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: PMNode[];
  text?: string;
  marks?: PMMark[];
}

/** Canonical order of marks, as the server writes them. */
export const MARKS: MarkName[] = ['bold', 'italic', 'code', 'strike'];

const withDir = (b: WithDir, attrs: Record<string, unknown> = {}) => (b.dir ? { ...attrs, dir: b.dir } : attrs);
const node = (type: string, attrs: Record<string, unknown>, content?: PMNode[]): PMNode => ({
  type,
  ...(Object.keys(attrs).length ? { attrs } : {}),
  ...(content && content.length ? { content } : {}),
});

// ---- API → editor --------------------------------------------------------

export function toEditor(doc: ApiDoc | null | undefined): PMNode {
  const blocks = doc?.blocks ?? [];
  const content = blocks.map(blockToEditor);
  return { type: 'doc', content: content.length ? content : [{ type: 'paragraph' }] };
}

function inlinesToEditor(inlines: Inline[], extra: PMMark[] = []): PMNode[] {
  return inlines.flatMap((i): PMNode[] => {
    switch (i.type) {
      case 'text': {
        if (!i.text) return [];
        const marks = [...(i.marks ?? []).map((m) => ({ type: m })), ...extra];
        return [{ type: 'text', text: i.text, ...(marks.length ? { marks } : {}) }];
      }
      case 'link':
        return inlinesToEditor(i.content, [...extra, { type: 'link', attrs: { href: i.href } }]);
      case 'break':
        return [{ type: 'hardBreak', ...(extra.length ? { marks: extra } : {}) }];
    }
  });
}

const cellToEditor = (type: string, cell: Inline[]): PMNode => node(type, {}, [node('paragraph', {}, inlinesToEditor(cell))]);

function blockToEditor(b: Block): PMNode {
  switch (b.type) {
    case 'paragraph':
      return node('paragraph', withDir(b), inlinesToEditor(b.content));
    case 'heading':
      return node('heading', withDir(b, { level: b.level }), inlinesToEditor(b.content));
    case 'list':
      return node(
        b.ordered ? 'orderedList' : 'bulletList',
        withDir(b),
        b.items.map((item) => node('listItem', {}, item.map(blockToEditor))),
      );
    case 'quote':
      return node('blockquote', withDir(b), b.blocks.map(blockToEditor));
    case 'code':
      return node('codeBlock', withDir(b), b.text ? [{ type: 'text', text: b.text }] : []);
    case 'media':
      return node('media', withDir(b, { id: b.id, ...(b.caption !== undefined ? { caption: b.caption } : {}) }));
    case 'table': {
      const rows: PMNode[] = [];
      if (b.header.length) rows.push(node('tableRow', {}, b.header.map((c) => cellToEditor('tableHeader', c))));
      for (const r of b.rows) rows.push(node('tableRow', {}, r.map((c) => cellToEditor('tableCell', c))));
      return node('table', withDir(b), rows);
    }
    case 'rule':
      return node('horizontalRule', withDir(b));
  }
}

// ---- editor → API --------------------------------------------------------

export function toApi(doc: PMNode): ApiDoc {
  const blocks = (doc.content ?? []).map(blockToApi).filter((b): b is Block => b !== null);
  // An editor always holds a paragraph: a lone empty one is an empty document.
  if (blocks.length === 1 && blocks[0]?.type === 'paragraph' && blocks[0].content.length === 0 && !blocks[0].dir) return { type: 'doc', blocks: [] };
  return { type: 'doc', blocks };
}

function dirOf(n: PMNode): WithDir {
  const d = n.attrs?.dir;
  return d === 'ltr' || d === 'rtl' || d === 'auto' ? { dir: d } : {};
}

function textToApi(n: PMNode): Inline[] {
  if (n.type === 'hardBreak') return [{ type: 'break' }];
  if (n.type !== 'text' || !n.text) return [];
  const marks = MARKS.filter((m) => n.marks?.some((x) => x.type === m));
  return [{ type: 'text', text: n.text, ...(marks.length ? { marks } : {}) }];
}

const hrefOf = (n: PMNode) => n.marks?.find((m) => m.type === 'link')?.attrs?.href as string | undefined;

/** Inline nodes; neighbours under the same link mark become one link. */
export function inlinesToApi(nodes: PMNode[] = []): Inline[] {
  const out: Inline[] = [];
  for (const n of nodes) {
    const href = hrefOf(n);
    const inl = textToApi(n);
    if (!href) {
      out.push(...inl);
      continue;
    }
    const last = out[out.length - 1];
    if (last?.type === 'link' && last.href === href) last.content.push(...inl);
    else out.push({ type: 'link', href, content: inl });
  }
  return out;
}

const cellToApi = (cell: PMNode): Inline[] => {
  const paras = cell.content ?? [];
  return paras.flatMap((p, i) => [...(i > 0 ? [{ type: 'break' } as Inline] : []), ...inlinesToApi(p.content)]);
};

function blockToApi(n: PMNode): Block | null {
  const d = dirOf(n);
  const kids = n.content ?? [];
  switch (n.type) {
    case 'paragraph':
      return { type: 'paragraph', content: inlinesToApi(kids), ...d };
    case 'heading':
      return { type: 'heading', level: Number(n.attrs?.level ?? 2), content: inlinesToApi(kids), ...d };
    case 'bulletList':
    case 'orderedList':
      return {
        type: 'list',
        ordered: n.type === 'orderedList',
        items: kids.map((li) => (li.content ?? []).map(blockToApi).filter((b): b is Block => b !== null)),
        ...d,
      };
    case 'blockquote':
      return { type: 'quote', blocks: kids.map(blockToApi).filter((b): b is Block => b !== null), ...d };
    case 'codeBlock':
      return { type: 'code', text: kids.map((k) => k.text ?? '').join(''), ...d };
    case 'media': {
      const caption = n.attrs?.caption;
      return { type: 'media', id: String(n.attrs?.id ?? ''), ...(typeof caption === 'string' ? { caption } : {}), ...d };
    }
    case 'table': {
      const rows = kids.map((r) => r.content ?? []);
      const first = rows[0];
      const hasHeader = !!first?.length && first.every((c) => c.type === 'tableHeader');
      return {
        type: 'table',
        header: hasHeader && first ? first.map(cellToApi) : [],
        rows: (hasHeader ? rows.slice(1) : rows).map((r) => r.map(cellToApi)),
        ...d,
      };
    }
    case 'horizontalRule':
      return { type: 'rule', ...d };
    default:
      return null;
  }
}
