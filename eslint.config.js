import neostandard, { plugins } from 'neostandard'

// One rule per folder: an import whose path matches `regex` is refused with `message`.
const layer = (files, regex, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] }
})

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', 'node_modules/**', '.tap/**', 'coverage/**'] }),
  {
    files: ['server/**/*.ts', 'test/**/*.ts', 'web/src/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': plugins['typescript-eslint'].plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error'
    }
  },
  {
    // tap tracks the subtests it starts; awaiting each one at top level would serialise nothing.
    files: ['test/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'todo', 'skip'], package: '@tapjs/test' }] }]
    }
  },
  {
    files: ['server/**/*.ts', 'web/src/**/*.ts'],
    rules: { 'no-console': 'error' }
  },
  // Dependencies point inward: core ← ingest, log, hub, sse ← http, guards, routes, sources ← app ← main.
  layer(['server/core/**'], '^\\.\\./', 'core/ imports nothing from the rest of the project'),
  layer(['server/ingest/**', 'server/log/**', 'server/hub/**', 'server/sse/**'],
    '^\\.\\./(?!core/)|^fastify$|^@fastify/', 'domain code imports only core/ (hub/ not sse/) and never fastify'),
  // Each backend of the log is complete in its folder: it imports the top of log/ and core/, never another backend.
  layer(['server/log/*/**'],
    '^\\.\\./\\.\\./(?!core/)|^\\.\\./(sqlite|redis|cluster)/|^fastify$|^@fastify/', 'a log backend imports only core/ and the top of log/, never another backend'),
  layer(['server/guards/**', 'server/http/**', 'server/routes/**', 'server/sources/**'],
    '^\\.\\./(app|main)\\.js$|^\\.\\./(routes|guards)/', 'only app.ts wires routes and guards'),
  // core/ is pure (it imports nothing), so the dashboard shares its wire types and its glob matcher.
  layer(['web/src/**'], '/server/(?!core/(event|metric-filter)\\.js$)', 'web/ imports only server/core/event.ts and server/core/metric-filter.ts')
]
