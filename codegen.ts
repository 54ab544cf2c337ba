import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed SDK: operations in sdk/operations/*.graphql against the committed
 * schema/schema.graphql (emitted from the server code by `npm run schema`), generated into
 * sdk/src/generated.ts with graphql-request bindings. Run `npm run codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'sdk/operations/**/*.graphql',
  generates: {
    'sdk/src/generated.ts': {
      plugins: ['typescript-operations', 'typescript-graphql-request'],
      config: {
        scalars: { DateTime: 'string', Date: 'string', ID: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        rawRequest: false,
      },
    },
  },
};

export default config;
