// Reading an item into form values, every locale exactly, and writing back only what changed.
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildModel, setModel, type Field } from '../src/schema/model';
import { changedInput, fromApi, localeAlias, selection, toInput } from '../src/schema/values';
import { itemQuery } from '../src/state/editor';
import { SDL, introspect } from './schema';

const m = buildModel(introspect());
setModel(m);
const event = m.byName.get('Event');
if (!event) throw new Error('Event');
const labelOf = (t: string) => m.byName.get(t)?.label ?? 'id';
const locales = { codes: ['fr', 'en', 'ar'], default: 'fr' };

describe('values', () => {
  it('select every readable field with all its translations, in one item read', () => {
    const sel = selection(event.fields, labelOf, locales);
    expect(sel).toContain('titleLocalized { translations { locale value } }');
    // Lists entry by entry, relation roles on the edges: every translation, no fallback.
    expect(sel).toContain('outcomesLocalized { translations { locale value } }');
    expect(sel).toContain('recommendationsLocalized { translations { locale value } }');
    expect(sel).toContain('organisers(first: 100) { edges { roleLocalized { translations { locale value } } node { id label: name } } }');
    expect(sel).toContain('sessions { titleLocalized');
    // Rich text: once per locale, as field aliases, each saying whether it fell back.
    for (const l of locales.codes) expect(sel).toContain(`body__${l}: body(locale: "${l}") { document locale isFallback }`);
    expect(localeAlias('body', 'pt-BR')).toBe('body__pt_BR');
  });

  it('read each content type with one valid query and no root aliases', () => {
    const schema = buildSchema(SDL);
    for (const type of m.types) {
      const q = itemQuery(type, locales);
      expect(validate(schema, parse(q)).map((e) => e.message), type.name).toEqual([]);
      const roots = (parse(q).definitions[0] as unknown as { selectionSet: { selections: unknown[] } }).selectionSet.selections;
      expect(roots, type.name).toHaveLength(1);
    }
  });

  it('never take a value that falls back for a translation, and keep one equal to its fallback', () => {
    const v = fromApi(
      event.fields,
      {
        // Entry by entry: the first in French and Arabic, the second French only, the third Arabic only.
        outcomesLocalized: [
          { translations: [{ locale: 'ar', value: 'واحد' }, { locale: 'fr', value: 'Un' }] },
          { translations: [{ locale: 'fr', value: 'Deux' }] },
          { translations: [{ locale: 'ar', value: 'ثلاثة' }] },
        ],
        // An English translation that happens to read like the French one is still a translation.
        recommendationsLocalized: [{ translations: [{ locale: 'fr', value: 'Former' }, { locale: 'en', value: 'Former' }] }],
        organisers: {
          edges: [
            {
              roleLocalized: { translations: [{ locale: 'fr', value: 'organisateur' }, { locale: 'en', value: 'organiser' }] },
              node: { id: 'o1', label: 'OIM' },
            },
            { roleLocalized: null, node: { id: 'o2', label: null } },
          ],
        },
        // French of its own; Arabic falls back to French; English missing altogether.
        body__fr: { document: { type: 'doc', blocks: [{ type: 'paragraph' }] }, locale: 'fr', isFallback: false },
        body__ar: { document: { type: 'doc', blocks: [{ type: 'paragraph' }] }, locale: 'fr', isFallback: true },
        body__en: null,
      },
      locales,
    );
    expect(v.outcomes).toEqual([{ fr: 'Un', ar: 'واحد' }, { fr: 'Deux' }, { ar: 'ثلاثة' }]);
    expect(v.recommendations).toEqual([{ fr: 'Former', en: 'Former' }]);
    expect(v.organisers).toEqual([
      { id: 'o1', label: 'OIM', role: { fr: 'organisateur', en: 'organiser' } },
      { id: 'o2', label: 'o2', role: {} },
    ]);
    expect(Object.keys(v.body as object)).toEqual(['fr']);
    // What was read goes back unchanged.
    expect(toInput(event.fields, v)).toMatchObject({
      outcomes: [
        [
          { locale: 'ar', value: 'واحد' },
          { locale: 'fr', value: 'Un' },
        ],
        [{ locale: 'fr', value: 'Deux' }],
        [{ locale: 'ar', value: 'ثلاثة' }],
      ],
      organisers: [
        {
          id: 'o1',
          role: [
            { locale: 'fr', value: 'organisateur' },
            { locale: 'en', value: 'organiser' },
          ],
        },
        { id: 'o2', role: [] },
      ],
    });
  });

  it('read a field the server gives in one locale only as the default locale', () => {
    const list: Field = { name: 'notes', description: '', required: false, widget: { type: 'localizedList' }, read: { localized: false, connection: false, localeArg: false, roleLocalized: false } };
    expect(selection([list], labelOf, locales)).toBe('notes');
    expect(fromApi([list], { notes: ['Un', ''] }, locales)).toEqual({ notes: [{ fr: 'Un' }] });
  });

  it('send only the fields and locales that changed, an emptied locale as null', () => {
    const initial = fromApi(
      event.fields,
      { titleLocalized: { translations: [{ locale: 'fr', value: 'Atelier' }, { locale: 'ar', value: 'ورشة' }] }, city: 'Rabat', participantCount: 63 },
      locales,
    );
    const now = { ...initial, title: { fr: 'Atelier de Rabat', ar: '' }, participantCount: '64' };
    expect(changedInput(event.fields, now, initial)).toEqual({
      title: [
        { locale: 'fr', value: 'Atelier de Rabat' },
        { locale: 'ar', value: null },
      ],
      participantCount: 64,
    });
  });
});
