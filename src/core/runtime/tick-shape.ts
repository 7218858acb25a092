// Imported first by core-main.ts, so that it runs before the core's other modules: the core's HTTP front and proxy
// call process.nextTick on every request, and keepTickShape() must come before nextTick's caches remember anything
// (src/core/spawn/keep-tick-shape.cjs says why; the app preloads use the same file).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { keepTickShape } = require('../../../../src/core/spawn/keep-tick-shape.cjs') as { keepTickShape: () => void }
keepTickShape()
