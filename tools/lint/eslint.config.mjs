// The project's lint rules (run by `npm run lint`, part of `npm test`). Small on purpose: the recommended
// type-unaware rules, import cycles, and the seams ARCHITECTURE.md keeps (the same ones test/unit/boundaries.test.ts
// checks). No stylistic rules: formatting is not the linter's business here.
import { defineConfig } from 'eslint/config'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

/** src/core runs as a daemon without the CLI's libraries, and the CLI renders: core never imports them. */
const CORE_NEVER = [
  { group: ['@oclif/*', 'chalk', 'cli-table3'], message: 'src/core never imports the CLI\'s libraries: render in src/cli or src/commands' },
  { group: ['**/cli/*', '**/commands/*'], message: 'src/core never imports the CLI: pass what it needs as arguments' }
]

export default defineConfig(
  { ignores: ['dist/**', '**/node_modules/**', 'test/fixtures/**', 'examples/**', 'bench/apps/**', 'man/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      // import-x follows imports into .ts files too (read with the parser above), `./x.js` meaning `./x.ts`.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver()]
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Unused names are already errors of tsc (noUnusedLocals, noUnusedParameters), and this rule took 40% of the time.
      '@typescript-eslint/no-unused-vars': 'off',
      // `try { best effort } catch {}` is how cleanup that may fail says so.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Layout tests match Passenger's columns as printed; `{4}` would hide the layout they check.
      'no-regex-spaces': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }]
    }
  },
  {
    // Tests may fake a system error this way; Ferry's own code throws the error it means.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.object.name='Object'][callee.property.name='assign'] > NewExpression.arguments:first-child",
        message: 'an error gets its code and fields from its constructor (a FerryError code, or an Error subclass), not patched on afterwards'
      }]
    }
  },
  // Tests poke into parsed JSON whose shape is the thing under test.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: CORE_NEVER }] } },
  {
    files: ['src/core/pool/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['node:http', 'node:net', 'http', 'net', 'undici'].map(name => ({ name, message: 'the pool knows nothing of HTTP' })),
        patterns: [...CORE_NEVER,
          { group: ['**/server/*'], message: 'the pool knows nothing of HTTP: the server depends on the pool, not the other way' },
          { group: ['**/spawn/*', '!**/spawn/loader.js'], message: 'the pool knows loaders only through spawn/loader.js' }]
      }]
    }
  },
  {
    files: ['src/core/spawn/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...CORE_NEVER, { group: ['**/pool/*'], message: 'a loader knows nothing of the pool' }] }] }
  }
)
