// What a frontend writes with the generated types: a typed fetch of the home
// page. Type-checked in CI, so a schema change that breaks it fails the build.
import type { HomeQuery, HomeQueryVariables, EventPageQuery, SearchQuery } from './generated/graphql';
import { readFileSync } from 'node:fs';

const HOME = readFileSync(new URL('./home.graphql', import.meta.url), 'utf8');

export async function home(endpoint: string, variables: HomeQueryVariables): Promise<HomeQuery> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: HOME, variables }),
  });
  const body = (await res.json()) as { data?: HomeQuery; errors?: { message: string; extensions?: { code?: string } }[] };
  if (!body.data) throw new Error(body.errors?.map((e) => `${e.extensions?.code}: ${e.message}`).join('; '));
  return body.data;
}

export function cards(data: HomeQuery): { title: string; budget: string | null; axes: string[]; next: string | null }[] {
  return data.projects.nodes.map((p) => ({
    title: p.title ?? p.slug,
    budget: p.budget ? `${p.budget.amount} ${p.budget.currency}` : null,
    axes: p.thematicAxes.nodes.map((a) => a.title ?? a.slug),
    next: p.events.nodes[0]?.startsAt ?? null,
  }));
}

export function moderators(data: EventPageQuery): string[] {
  return (data.event?.sessions ?? []).flatMap((s) => s.moderators.map((m) => `${m.person?.honorific ?? ''} ${m.person?.name ?? ''}`.trim()));
}

export function results(data: SearchQuery): { href: string; titleHtml: string; snippetHtml: string }[] {
  return data.search.edges.map((e) => ({
    href: `/${e.type.toLowerCase()}/${e.node.slug}`,
    titleHtml: e.title,
    snippetHtml: e.snippet,
  }));
}

export function articleHtml(data: EventPageQuery): string {
  return data.event?.body?.html ?? '';
}
