// Types for the example queries, generated from the schema in the repo:
// `npm run codegen` writes generated/graphql.ts.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['./*.graphql'],
  generates: {
    './generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: {
        scalars: { DateTime: 'string', Date: 'string', JSON: 'unknown', Upload: 'File' },
        avoidOptionals: true,
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
