// The locale being written in (not the interface language): it sets lang/dir on content fields.
import { signal } from '@preact/signals';

export const contentLocale = signal('fr');
