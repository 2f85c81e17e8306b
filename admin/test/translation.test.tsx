// Translation status from the API: detected in the schema, read into list
// filters, field marks, badges and the home screen's counts.
import { buildSchema, parse, validate } from 'graphql';
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { buildModel, setModel } from '../src/schema/model';
import { emptyValues, type Value } from '../src/schema/values';
import { locales } from '../src/state/app';
import { filterInput } from '../src/state/list';
import {
  choiceQuery,
  counts,
  markOf,
  parseChoice,
  type TranslationStatus,
  translationCondition,
  waitingCounts,
  waitingQuery,
} from '../src/state/translation';
import { Fields } from '../src/ui/fields/FieldView';
import { TranslationBadges } from '../src/ui/Translation';
import { SDL, introspect } from './schema';

locales.value = [
  { code: 'fr', direction: 'LTR', isDefault: true, fallbacks: [] },
  { code: 'en', direction: 'LTR', isDefault: false, fallbacks: ['fr'] },
  { code: 'ar', direction: 'RTL', isDefault: false, fallbacks: ['fr'] },
];

/** The schema of a server from before translation status. */
const OLD_SDL = SDL.replace(/\n\t"""\n\tPer configured locale[^"]*"""\n\ttranslationStatus: \[TranslationStatus!\]!/g, '').replace(
  /\n\t"""\n\tWhere the working copy's translation[^"]*"""\n\ttranslation: TranslationFilter/g,
  '',
);

const STATUS: TranslationStatus[] = [
  { locale: 'fr', missing: [], outdated: [], complete: true },
  { locale: 'en', missing: ['title', 'summary'], outdated: [], complete: false },
  { locale: 'ar', missing: ['summary'], outdated: ['title'], complete: false },
];

describe('translation status', () => {
  it('is used when the server has it, and only then', () => {
    const m = buildModel(introspect());
    const project = m.byName.get('Project');
    expect(project?.translation).toBe(true);
    expect(project?.filters.some((f) => f.name === 'translation')).toBe(false);
    expect(OLD_SDL).not.toContain('translationStatus');
    const old = buildModel(introspect(OLD_SDL));
    expect(old.byName.get('Project')?.translation).toBe(false);
  });

  it('reads a list filter from the address and writes it back', () => {
    const codes = ['fr', 'en', 'ar'];
    expect(parseChoice('?translation=ar:OUTDATED', codes)).toEqual({ locale: 'ar', state: 'OUTDATED' });
    expect(parseChoice('?translation=ar', codes)).toEqual({ locale: 'ar', state: 'INCOMPLETE' });
    expect(parseChoice('?translation=de:MISSING', codes)).toBeNull();
    expect(parseChoice('?translation=ar:LATE', codes)).toBeNull();
    expect(parseChoice('', codes)).toBeNull();
    const c = { locale: 'ar', state: 'MISSING' } as const;
    expect(parseChoice(choiceQuery(c), codes)).toEqual(c);
    expect(translationCondition(c)).toEqual({ translation: { locale: 'ar', state: 'MISSING' } });
  });

  it('joins the other conditions of a list filter, on servers that have it', () => {
    const m = buildModel(introspect());
    setModel(m);
    const type = m.byName.get('Project');
    if (!type) throw new Error('Project');
    const c = { locale: 'ar', state: 'OUTDATED' } as const;
    expect(filterInput(type, '', {}, c)).toEqual({ translation: { locale: 'ar', state: 'OUTDATED' } });
    expect(filterInput(type, '', { workflowState: { value: 'DRAFT' } }, c)).toEqual({
      and: [{ workflowState: { eq: 'DRAFT' } }, { translation: { locale: 'ar', state: 'OUTDATED' } }],
    });
    const old = buildModel(introspect(OLD_SDL)).byName.get('Project');
    if (!old) throw new Error('Project');
    expect(filterInput(old, '', {}, c)).toBeNull();
  });

  it('marks fields and counts per locale', () => {
    expect(markOf(STATUS, 'ar', 'summary')).toBe('missing');
    expect(markOf(STATUS, 'ar', 'title')).toBe('outdated');
    expect(markOf(STATUS, 'fr', 'title')).toBeNull();
    expect(markOf(undefined, 'ar', 'title')).toBeNull();
    expect(counts(STATUS)).toEqual([
      { locale: 'fr', missing: 0, outdated: 0, complete: true },
      { locale: 'en', missing: 2, outdated: 0, complete: false },
      { locale: 'ar', missing: 1, outdated: 1, complete: false },
    ]);
  });

  it('shows a compact badge per locale', () => {
    const root = document.createElement('div');
    render(<TranslationBadges statuses={STATUS} />, root);
    const badges = [...root.querySelectorAll('.badge')];
    expect(badges.map((b) => b.getAttribute('data-locale'))).toEqual(['fr', 'en', 'ar']);
    expect(badges[0]?.className).toContain('have');
    expect(badges[1]?.className).toContain('todo');
    expect(badges[2]?.className).toContain('outdated');
    expect(badges[2]?.textContent).toContain('−1');
    expect(badges[2]?.textContent).toContain('↻1');
  });

  it('marks a form field missing or outdated, with a note', () => {
    const m = buildModel(introspect());
    setModel(m);
    const type = m.byName.get('Project');
    if (!type) throw new Error('Project');
    const values: Record<string, Value> = emptyValues(type.fields);
    const root = document.createElement('div');
    const mark = (name: string) => {
      const state = markOf(STATUS, 'ar', name);
      return state ? { state, locale: 'ar', source: 'fr' } : null;
    };
    render(<Fields fields={type.fields} cell={(f) => ({ get: () => values[f.name] ?? null, set: (v) => (values[f.name] = v) })} mark={(f) => mark(f.name)} />, root);
    expect(root.querySelector('[data-field="title"]')?.getAttribute('data-translation')).toBe('outdated');
    expect(root.querySelector('[data-field="summary"]')?.getAttribute('data-translation')).toBe('missing');
    expect(root.querySelector('[data-field="acronym"]')?.hasAttribute('data-translation')).toBe(false);
    expect(root.querySelector('[data-field="title"] .translation-note')?.textContent).toMatch(/FR/);
  });

  it('counts what waits per locale and type in one valid query', () => {
    const m = buildModel(introspect());
    const q = waitingQuery(m.types, 'pt-BR');
    expect(validate(buildSchema(SDL), parse(q))).toEqual([]);
    const projects = m.types.findIndex((t) => t.list === 'projects');
    const answer = {
      [`t${projects}_projects_incomplete`]: { totalCount: 3 },
      [`t${projects}_projects_missing`]: { totalCount: 2 },
      [`t${projects}_projects_outdated`]: { totalCount: 1 },
    };
    const w = waitingCounts(m.types, answer);
    expect(w.map((x) => [x.type.list, x.incomplete, x.missing, x.outdated])).toEqual([['projects', 3, 2, 1]]);
  });
});
