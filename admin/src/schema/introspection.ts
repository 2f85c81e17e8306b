// The part of the schema the admin reads, by introspection of the running server.
import { gql } from '../api/client';

export interface TypeRef {
  kind: 'SCALAR' | 'OBJECT' | 'INTERFACE' | 'UNION' | 'ENUM' | 'INPUT_OBJECT' | 'LIST' | 'NON_NULL';
  name: string | null;
  ofType: TypeRef | null;
}
export interface RawField {
  name: string;
  description: string | null;
  type: TypeRef;
  args?: { name: string; type: TypeRef }[];
}
export interface RawType {
  kind: TypeRef['kind'];
  name: string;
  description: string | null;
  fields: RawField[] | null;
  inputFields: RawField[] | null;
  interfaces: { name: string }[] | null;
  enumValues: { name: string }[] | null;
}
export interface Introspection {
  __schema: { types: RawType[] };
}

const ref = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }';

export const INTROSPECTION = `{ __schema { types {
  kind name description
  fields { name description type { ${ref} } args { name type { ${ref} } } }
  inputFields { name description type { ${ref} } }
  interfaces { name }
  enumValues { name }
} } }`;

export function fetchIntrospection(): Promise<Introspection> {
  return gql<Introspection>(INTROSPECTION);
}
