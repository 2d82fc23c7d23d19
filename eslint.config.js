// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

// A service's rooms (docs/architecture.md): domain imports none of the others, db serves
// use-cases only, use-cases never call their callers. (Resolvers and event handlers still
// import db types and a few repositories directly: not enforced yet.)
// test/lint-fixtures: a service laid out like ours, for scripts/test/layers.unit.test.ts.
const SERVICES = ['subgraphs/*', 'workers/*', 'test/lint-fixtures/subgraphs/*'];
const rooms = (service) => {
  const room = (name) => `./${service}/src/${name}/**`;
  return [
    {
      target: room('domain'),
      from: ['db', 'resolvers', 'events', 'use-cases'].map(room),
      message: 'domain is pure.',
    },
    {
      target: room('db'),
      from: ['resolvers', 'events', 'use-cases'].map(room),
      message: 'db serves use-cases.',
    },
    { target: room('use-cases'), from: [room('resolvers')], message: 'use-cases do not call resolvers.' },
  ];
};
export const layerZones = SERVICES.flatMap(rooms);

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      '.data/**',
      'ui/dist/**',
      'bench/results/**',
      'test/lint-fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Time and randomness come through service-kit's clock module (injectable in tests).
    files: [
      'subgraphs/*/src/**/*.ts',
      'workers/*/src/**/*.ts',
      'gateway/src/**/*.ts',
      'packages/*/src/**/*.ts',
    ],
    ignores: ['packages/service-kit/src/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use a Clock (or epochMs) from @ates/service-kit.' },
        {
          object: 'Math',
          property: 'random',
          message: 'Use a RandomSource (or randomFraction) from @ates/service-kit.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use a Clock from @ates/service-kit.',
        },
      ],
    },
  },
  {
    files: [
      'subgraphs/*/src/**/*.ts',
      'workers/*/src/**/*.ts',
      'packages/*/src/**/*.ts',
      'gateway/src/**/*.ts',
      'test/lint-fixtures/**/*.ts',
    ],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);
