// The interface language: a signal, the document's lang/dir, and t().
import { effect, signal } from '@preact/signals';
import { humanise, type Key, type Lang, messages, names } from './messages';

export type { Lang };
export const LANGS: Lang[] = ['fr', 'en', 'ar'];
const KEY = 'relais.admin.lang';

function initial(): Lang {
  const kept = globalThis.localStorage?.getItem(KEY);
  if (kept === 'fr' || kept === 'en' || kept === 'ar') return kept;
  const nav = globalThis.navigator?.language?.slice(0, 2);
  return nav === 'en' || nav === 'ar' ? nav : 'fr';
}

export const uiLang = signal<Lang>(initial());
export const uiDir = (lang: string) => (lang === 'ar' ? 'rtl' : 'ltr');

effect(() => {
  const lang = uiLang.value;
  document.documentElement.lang = lang;
  document.documentElement.dir = uiDir(lang);
  globalThis.localStorage?.setItem(KEY, lang);
});

/** An interface message, with `{name}` placeholders filled. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  let s = messages[uiLang.value][key];
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

/** A name from the schema (type, field, enum value) in the interface language. */
export function n(name: string): string {
  return names[uiLang.value][name] ?? humanise(name);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** A date-time for people, in the interface language (one formatter per language: making one is slow). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const lang = uiLang.value === 'ar' ? 'ar-MA' : uiLang.value;
  let f = formats.get(lang);
  if (!f) formats.set(lang, (f = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' })));
  return f.format(new Date(iso));
}
