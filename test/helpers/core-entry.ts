// The one place tests take the core's composition root (and the watchdog's pieces the in-process harness reuses)
// from: when they move (the core's composition root is in src/core/runtime/ since issue 19), only these lines change.
export { runCore, type CoreHost } from '../../src/core/runtime/core-main.js'
export { preflight } from '../../src/core/runtime/preflight.js'
export { InstanceEntry } from '../../src/core/watchdog/instance.js'
export { StartupTracker, type StartEvent } from '../../src/core/watchdog/messages.js'
