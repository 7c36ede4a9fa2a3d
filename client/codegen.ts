import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for the client kit and the web page, from the emitted schema. Documents are
 * plain strings (TypedDocumentString), so a browser bundle needs no GraphQL parser.
 * Regenerate with `npm run codegen`; test/client-codegen.test.ts fails when this is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'client/operations/*.graphql',
  generates: {
    'client/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true },
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
