// Reading an item into form values and writing back only what changed.
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/schema/model';
import { changedInput, fromApi, perLocaleFields, selection } from '../src/schema/values';
import { introspect } from './schema';

const m = buildModel(introspect());
const event = m.byName.get('Event');
if (!event) throw new Error('Event');
const labelOf = (t: string) => m.byName.get(t)?.label ?? 'id';

describe('values', () => {
  it('select every readable field, localised ones with their translations', () => {
    const sel = selection(event.fields, labelOf);
    expect(sel).toContain('titleLocalized { translations { locale value } }');
    expect(sel).toContain('organisers(first: 100) { edges { role node { id label: name } } }');
    expect(sel).toContain('sessions { titleLocalized');
    expect(sel).toContain('body { document locale isFallback }');
    expect(perLocaleFields(event.fields).map((f) => f.name)).toEqual(['organisers', 'partners', 'speakers', 'outcomes', 'recommendations', 'body']);
  });

  it('read per-locale lists without taking a fallback for a translation', () => {
    const fr = { recommendations: ['Renforcer', 'Former'], organisers: { edges: [{ role: 'organisateur', node: { id: 'o1', label: 'OIM' } }] } };
    const ar = { recommendations: ['تعزيز', 'تدريب'], organisers: { edges: [{ role: 'organisateur', node: { id: 'o1', label: 'OIM' } }] } };
    const en = { recommendations: ['Renforcer', 'Former'], organisers: { edges: [{ role: 'organiser', node: { id: 'o1', label: 'OIM' } }] } };
    const v = fromApi(event.fields, fr, { fr, ar, en }, { ar: ['fr'], en: ['fr'] });
    expect(v.recommendations).toEqual([
      { fr: 'Renforcer', ar: 'تعزيز' },
      { fr: 'Former', ar: 'تدريب' },
    ]);
    expect(v.organisers).toEqual([{ id: 'o1', label: 'OIM', role: { fr: 'organisateur', en: 'organiser' } }]);
  });

  it('send only the fields and locales that changed, an emptied locale as null', () => {
    const initial = fromApi(event.fields, { titleLocalized: { translations: [{ locale: 'fr', value: 'Atelier' }, { locale: 'ar', value: 'ورشة' }] }, city: 'Rabat', participantCount: 63 });
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
