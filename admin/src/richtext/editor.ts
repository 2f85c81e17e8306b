// Loaded on first use (a separate chunk): lists and sign-in do without TipTap.
import { Editor } from '@tiptap/core';
import { type ApiDoc, toApi, toEditor } from './convert';
import { extensions } from './extensions';
import './prosemirror.css';

export function createEditor(opts: {
  element: HTMLElement;
  doc: ApiDoc | null;
  attributes: Record<string, string>;
  onChange: (doc: ApiDoc) => void;
  onTransaction: () => void;
}): Editor {
  return new Editor({
    element: opts.element,
    extensions: extensions(),
    // Its styles come from prosemirror.css: an injected <style> would break the Content-Security-Policy.
    injectCSS: false,
    content: toEditor(opts.doc),
    editorProps: { attributes: opts.attributes },
    onUpdate: ({ editor }) => opts.onChange(toApi(editor.getJSON())),
    onTransaction: opts.onTransaction,
  });
}
