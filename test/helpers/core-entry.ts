// The one place tests take the core's composition root from: when it moves (issue 19: src/core/runtime/), only this
// line changes.
export { runCore, type CoreHost } from '../../src/core/watchdog/core-main.js'
