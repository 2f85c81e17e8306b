import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/schema/model';
import { introspect } from './schema';

describe('model from the schema', () => {
  const m = buildModel(introspect());

  it('finds every content type with its root fields', () => {
    expect(m.types.map((t) => t.list).sort()).toEqual(
      ['events', 'mediaAssets', 'missions', 'newsArticles', 'organisations', 'people', 'projects', 'thematicAxes'].sort(),
    );
    const p = m.byList.get('projects');
    expect(p?.one).toBe('project');
    expect(p?.label).toBe('title');
  });

  it('gives each input field its widget', () => {
    const f = new Map(m.byName.get('Project')?.fields.map((x) => [x.name, x.widget]));
    expect(f.get('title')).toEqual({ type: 'localized' });
    expect(f.get('body')).toEqual({ type: 'richText' });
    expect(f.get('startDate')).toEqual({ type: 'date' });
    expect(f.get('budget')).toMatchObject({ type: 'group', many: false, typeName: 'MoneyInput' });
    expect(f.get('beneficiaryCountries')).toEqual({ type: 'country', many: true });
    expect(f.get('funders')).toEqual({ type: 'relation', many: true, target: 'Organisation', withRole: true });
    expect(f.get('thematicAxes')).toEqual({ type: 'relation', many: true, target: 'ThematicAxis', withRole: false });
    expect(f.get('mission')).toEqual({ type: 'relation', many: false, target: 'Mission', withRole: false });
    expect(f.get('status')).toMatchObject({ type: 'enum' });
    const ev = new Map(m.byName.get('Event')?.fields.map((x) => [x.name, x.widget]));
    expect(ev.get('startsAt')).toEqual({ type: 'datetime' });
    expect(ev.get('recommendations')).toEqual({ type: 'localizedList' });
    const sessions = ev.get('sessions');
    expect(sessions).toMatchObject({ type: 'group', many: true });
    if (sessions?.type !== 'group') throw new Error('sessions');
    const moderators = sessions.fields.find((x) => x.name === 'moderators');
    expect(moderators?.widget).toMatchObject({ type: 'group', many: true });
    if (moderators?.widget.type !== 'group') throw new Error('moderators');
    expect(moderators.widget.fields.find((x) => x.name === 'person')?.widget).toMatchObject({ type: 'relation', target: 'Person' });
  });

  it('knows how to read every locale of each field exactly', () => {
    const f = new Map(m.byName.get('Event')?.fields.map((x) => [x.name, x.read]));
    expect(f.get('title')).toMatchObject({ localized: true });
    expect(f.get('outcomes')).toMatchObject({ localized: true });
    expect(f.get('organisers')).toMatchObject({ connection: true, roleLocalized: true });
    expect(f.get('body')).toMatchObject({ localized: false, localeArg: true });
    expect(f.get('participantCount')).toMatchObject({ localized: false, connection: false, roleLocalized: false });
  });

  it('offers the filters of the filter input', () => {
    const f = new Map(m.byName.get('Project')?.filters.map((x) => [x.name, x]));
    expect(f.get('workflowState')?.type).toBe('workflow');
    expect(f.get('funders')).toMatchObject({ type: 'relation', target: 'Organisation' });
    expect(f.get('beneficiaryCountries')?.type).toBe('country');
    expect(f.get('startDate')?.type).toBe('date');
  });
});
