// Editor ↔ API documents: lossless both ways, through the real editor schema.
import { Editor } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import { type ApiDoc, toApi, toEditor } from '../src/richtext/convert';
import { extensions } from '../src/richtext/extensions';

const t = (text: string, ...marks: ('bold' | 'italic' | 'code' | 'strike')[]) => ({ type: 'text' as const, text, ...(marks.length ? { marks } : {}) });

/** A document holding every block, mark, inline and direction the API knows. */
const ALL: ApiDoc = {
  type: 'doc',
  blocks: [
    { type: 'heading', level: 1, content: [t('Atelier à Rabat')] },
    { type: 'heading', level: 6, content: [t('niveau six')], dir: 'ltr' },
    {
      type: 'paragraph',
      content: [
        t('Le 10 avril 2018', 'bold'),
        t(', l’'),
        { type: 'link', href: 'https://www.iom.int/', content: [t('OIM', 'italic'), t(' Maroc')] },
        { type: 'break' },
        t('tout', 'bold', 'italic', 'code', 'strike'),
        t(' et '),
        t('barré', 'strike'),
        t(' '),
        t('code()', 'code'),
      ],
    },
    { type: 'paragraph', content: [t('ورشة عمل في الرباط حول '), t('la migration', 'italic'), t(' والتنمية')], dir: 'rtl' },
    { type: 'paragraph', content: [t('Direction automatique')], dir: 'auto' },
    { type: 'paragraph', content: [] },
    {
      type: 'list',
      ordered: false,
      items: [
        [{ type: 'paragraph', content: [t('Oriental')] }],
        [
          { type: 'paragraph', content: [t('Souss-Massa')] },
          { type: 'list', ordered: true, items: [[{ type: 'paragraph', content: [t('Agadir')] }]], dir: 'ltr' },
        ],
      ],
    },
    { type: 'list', ordered: true, items: [[{ type: 'paragraph', content: [t('أولا')], dir: 'rtl' }]], dir: 'rtl' },
    {
      type: 'quote',
      blocks: [
        { type: 'paragraph', content: [t('La migration est une chance.')] },
        { type: 'quote', blocks: [{ type: 'paragraph', content: [t('imbriquée')] }] },
      ],
      dir: 'ltr',
    },
    { type: 'code', text: 'relais serve\n  --demo' },
    { type: 'code', text: '', dir: 'ltr' },
    { type: 'media', id: 'TWVkaWFBc3NldDox', caption: 'Les participants' },
    { type: 'media', id: 'TWVkaWFBc3NldDoy', dir: 'rtl' },
    {
      type: 'table',
      header: [[t('Pays')], [t('Participants', 'bold')]],
      rows: [
        [[t('Maroc')], [t('63')]],
        [[{ type: 'link', href: 'mailto:rabat@iom.int', content: [t('écrire')] }], []],
      ],
      dir: 'rtl',
    },
    { type: 'table', header: [], rows: [[[t('sans en-tête')]]] },
    { type: 'rule' },
    { type: 'rule', dir: 'auto' },
  ],
};

describe('rich-text conversion', () => {
  it('API → editor → API gives the same document', () => {
    expect(toApi(toEditor(ALL))).toEqual(ALL);
  });

  it('holds through the editor itself (its schema, its JSON)', () => {
    const editor = new Editor({ extensions: extensions(), content: toEditor(ALL) });
    expect(toApi(editor.getJSON())).toEqual(ALL);
    editor.destroy();
  });

  it('editor → API → editor gives the same editor document', () => {
    const editor = new Editor({ extensions: extensions(), content: toEditor(ALL) });
    const first = editor.getJSON();
    editor.commands.setContent(toEditor(toApi(first)));
    expect(editor.getJSON()).toEqual(first);
    editor.destroy();
  });

  it('sets a direction per block with the editor command', () => {
    const editor = new Editor({ extensions: extensions(), content: toEditor({ type: 'doc', blocks: [{ type: 'paragraph', content: [t('نص')] }] }) });
    editor.chain().setTextSelection(2).setTextDirection('rtl').run();
    expect(toApi(editor.getJSON()).blocks[0]).toEqual({ type: 'paragraph', content: [t('نص')], dir: 'rtl' });
    editor.destroy();
  });

  it('an empty editor is an empty document', () => {
    expect(toApi(toEditor({ type: 'doc', blocks: [] }))).toEqual({ type: 'doc', blocks: [] });
  });
});
