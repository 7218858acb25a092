// The linter's configuration lives with its toolchain (tools/lint, a workspace of its own: see its package.json).
export { default } from './tools/lint/eslint.config.mjs'
