// Forms come from the schema: a field added to an input type shows up with no admin change.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { buildModel, setModel } from '../src/schema/model';
import { emptyValues, toInput, type Value } from '../src/schema/values';
import { locales } from '../src/state/app';
import { Fields } from '../src/ui/fields/FieldView';
import { SDL, introspect, withField } from './schema';

locales.value = [
  { code: 'fr', direction: 'LTR', isDefault: true, fallbacks: [] },
  { code: 'en', direction: 'LTR', isDefault: false, fallbacks: ['fr'] },
  { code: 'ar', direction: 'RTL', isDefault: false, fallbacks: ['fr'] },
];

function formOf(sdl: string, typeName: string) {
  const m = buildModel(introspect(sdl));
  setModel(m);
  const type = m.byName.get(typeName);
  if (!type) throw new Error(typeName);
  const values: Record<string, Value> = emptyValues(type.fields);
  const root = document.createElement('div');
  render(<Fields fields={type.fields} cell={(f) => ({ get: () => values[f.name] ?? null, set: (v) => (values[f.name] = v) })} />, root);
  return { type, root, values };
}

describe('generated forms', () => {
  it('show every field of the input type', () => {
    const { type, root } = formOf(SDL, 'Event');
    for (const f of type.fields) expect(root.querySelector(`[data-field="${f.name}"]`), f.name).not.toBeNull();
    expect(root.querySelector('[data-field="startsAt"] input[type="datetime-local"]')).not.toBeNull();
  });

  it('show a field added to the schema, with the widget its type calls for, and send it', () => {
    const sdl = withField(
      withField(SDL, 'input ProjectInput', '  "Who to contact about it."\n  contactNote: [LocalizedStringInput!]\n  "Signed on."\n  signedOn: Date'),
      'type Project implements Node & Content',
      '  contactNote: String\n  contactNoteLocalized: LocalizedString\n  signedOn: Date',
    );
    const before = formOf(SDL, 'Project');
    expect(before.root.querySelector('[data-field="contactNote"]')).toBeNull();

    const { root, type, values } = formOf(sdl, 'Project');
    const note = root.querySelector('[data-field="contactNote"] textarea');
    expect(note).not.toBeNull();
    expect(note?.getAttribute('lang')).toBe('fr');
    expect(root.querySelector('[data-field="signedOn"] input')?.getAttribute('placeholder')).toContain('2016-05');

    values.contactNote = { fr: 'Écrire au bureau de Rabat' };
    values.signedOn = '2016-05';
    expect(toInput(type.fields, values)).toMatchObject({
      contactNote: [{ locale: 'fr', value: 'Écrire au bureau de Rabat' }],
      signedOn: '2016-05',
    });
  });

  it('write Arabic right to left', async () => {
    const { contentLocale } = await import('../src/state/content');
    contentLocale.value = 'ar';
    const { root } = formOf(SDL, 'NewsArticle');
    const title = root.querySelector('[data-field="title"] textarea');
    expect(title?.getAttribute('lang')).toBe('ar');
    expect(title?.getAttribute('dir')).toBe('rtl');
    contentLocale.value = 'fr';
  });
});
