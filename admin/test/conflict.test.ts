// A stale save: mine and theirs field by field, and a merge that loses neither.
import { describe, expect, it } from 'vitest';
import { buildModel, setModel } from '../src/schema/model';
import { changedInput, fromApi } from '../src/schema/values';
import { conflictFields, type ItemMeta, openForm, resolveConflict } from '../src/state/editor';
import { introspect } from './schema';

const m = buildModel(introspect());
setModel(m);
const person = m.byName.get('Person');
if (!person) throw new Error('Person');

describe('conflicts', () => {
  it('keep my changed fields, take their other changes, and send only mine with their version', () => {
    const form = openForm(person, null);
    const base = fromApi(person.fields, { nameLocalized: { translations: [{ locale: 'fr', value: 'Nadia' }] }, email: 'a@example.org' });
    form.initial.value = base;
    for (const [k, v] of Object.entries(base)) if (form.values[k]) form.values[k].value = v;
    // I change the email; they changed the name and saved (version 3).
    (form.values.email as { value: unknown }).value = 'mine@example.org';
    const theirs = { ...base, name: { fr: 'Nadia B.' } };
    form.conflict.value = { meta: { version: 3 } as ItemMeta, theirs, base };

    expect(conflictFields(form, form.conflict.value).map((r) => [r.name, r.byMe, r.byThem])).toEqual([
      ['name', false, true],
      ['email', true, false],
    ]);
    resolveConflict(form, new Set(['email']));
    expect(form.meta.value?.version).toBe(3);
    expect(form.values.name?.value).toEqual({ fr: 'Nadia B.' });
    expect(changedInput(person.fields, { ...theirs, email: 'mine@example.org' }, form.initial.value)).toEqual({ email: 'mine@example.org' });
    form.dispose();
  });
});
