// The repository's schema.graphql as the server would answer introspection.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, introspectionFromSchema } from 'graphql';
import type { Introspection } from '../src/schema/introspection';

export const SDL = readFileSync(resolve(process.cwd(), '../schema.graphql'), 'utf8');

export function introspect(sdl: string = SDL): Introspection {
  return introspectionFromSchema(buildSchema(sdl)) as unknown as Introspection;
}

/** The SDL with `lines` added at the start of the body of `type`/`input` `name`. */
export function withField(sdl: string, head: string, lines: string): string {
  const at = sdl.indexOf(`${head} {`);
  if (at < 0) throw new Error(`${head} not in schema`);
  const end = at + head.length + 2;
  return `${sdl.slice(0, end)}\n${lines}\n${sdl.slice(end)}`;
}
