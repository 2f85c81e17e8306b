// What the app loads once: the schema, the server's locales and the country list.
import { signal } from '@preact/signals';
import { gql } from '../api/client';
import { fetchIntrospection } from '../schema/introspection';
import { buildModel, setModel, type Model } from '../schema/model';
import { loadViewer } from './session';

export interface Locale {
  code: string;
  direction: 'LTR' | 'RTL';
  isDefault: boolean;
  fallbacks: string[];
}
export interface Country {
  code: string;
  name: string | null;
}

export const schema = signal<Model | null>(null);
export const locales = signal<Locale[]>([]);
export const countries = signal<Country[]>([]);
export const bootError = signal<string | null>(null);

export const defaultLocale = () => locales.value.find((l) => l.isDefault)?.code ?? 'fr';
export const dirOf = (code: string) => (locales.value.find((l) => l.code === code)?.direction === 'RTL' ? 'rtl' : 'ltr');

export async function boot(): Promise<void> {
  try {
    const [intro, meta] = await Promise.all([
      fetchIntrospection(),
      gql<{ locales: Locale[] }>('{ locales { code direction isDefault fallbacks } }'),
      loadViewer(),
    ]);
    const m = buildModel(intro);
    setModel(m);
    locales.value = meta.locales;
    schema.value = m;
  } catch (e) {
    bootError.value = (e as Error).message;
  }
}

/** Country names in a locale (loaded on first use, again when the locale changes). */
let countriesIn = '';
export async function loadCountries(locale: string): Promise<void> {
  if (countriesIn === locale) return;
  countriesIn = locale;
  const data = await gql<{ countries: Country[] }>('query($l: String) { countries(locale: $l) { code name } }', { l: locale });
  countries.value = data.countries;
}
