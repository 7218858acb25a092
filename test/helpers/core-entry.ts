// The one place tests take the core's composition root (and the watchdog's pieces the in-process harness reuses)
// from: when they move (issue 19: the core's to src/core/runtime/), only these lines change.
export { runCore, type CoreHost } from '../../src/core/watchdog/core-main.js'
export { preflight } from '../../src/core/watchdog/launch.js'
export { InstanceEntry } from '../../src/core/watchdog/instance.js'
export { StartupTracker, type StartEvent } from '../../src/core/watchdog/messages.js'
