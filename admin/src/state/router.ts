// Client routes under /admin/: "", "<list>", "<list>/new", "<list>/<id>".
import { signal } from '@preact/signals';
import { t } from '../i18n';

export const BASE = '/admin/';

export interface Route {
  list: string | null;
  id: string | null;
}

function parse(path: string): Route {
  const bare = path.split(/[?#]/)[0] ?? '';
  const rest = bare.startsWith(BASE) ? bare.slice(BASE.length) : '';
  const [list, id] = rest.split('/').filter(Boolean).map(decodeURIComponent);
  return { list: list ?? null, id: id ?? null };
}

export const route = signal<Route>(parse(location.pathname));

/** Set by a screen with unsaved work: navigation asks before leaving. */
export const unsaved = signal(false);

export function href(list?: string | null, id?: string | null): string {
  return BASE + [list, id].filter(Boolean).map((s) => encodeURIComponent(s as string)).join('/');
}

export function navigate(to: string): void {
  if (unsaved.value && !confirm(t('leaveUnsaved'))) return;
  unsaved.value = false;
  history.pushState(null, '', to);
  route.value = parse(to);
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => {
  route.value = parse(location.pathname);
});
addEventListener('beforeunload', (e) => {
  if (unsaved.value) e.preventDefault();
});

/** onClick for links inside the app: same-tab clicks route without a reload. */
export function follow(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null)?.closest('a');
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? BASE);
}
