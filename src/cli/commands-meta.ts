// The commands whose man pages are generated, with their ids (oclif derives ids from file names at run time; a
// command in a topic, such as `cache purge`, is written as it is typed).
import Start from '../commands/start.js'
import Fly from '../commands/fly.js'
import Reload from '../commands/reload.js'
import RestartApp from '../commands/restart-app.js'
import DetachProcess from '../commands/detach-process.js'
import Stop from '../commands/stop.js'
import MemoryStats from '../commands/memory-stats.js'
import Status from '../commands/status.js'
import ReopenLogs from '../commands/reopen-logs.js'
import CachePurge from '../commands/cache/purge.js'
import type { CommandMeta } from './man.js'

export const COMMANDS: readonly CommandMeta[] = [
  { id: 'start', summary: Start.summary, description: Start.description, examples: Start.examples as CommandMeta['examples'], flags: Start.flags },
  { id: 'fly', summary: Fly.summary, description: Fly.description, examples: Fly.examples as CommandMeta['examples'], flags: Fly.flags },
  { id: 'reload', summary: Reload.summary, description: Reload.description, examples: Reload.examples as CommandMeta['examples'], flags: Reload.flags, json: Reload.enableJsonFlag },
  { id: 'restart-app', summary: RestartApp.summary, description: RestartApp.description, examples: RestartApp.examples as CommandMeta['examples'], flags: RestartApp.flags, json: RestartApp.enableJsonFlag },
  { id: 'detach-process', summary: DetachProcess.summary, description: DetachProcess.description, examples: DetachProcess.examples as CommandMeta['examples'], flags: DetachProcess.flags, json: DetachProcess.enableJsonFlag },
  { id: 'reopen-logs', summary: ReopenLogs.summary, description: ReopenLogs.description, examples: ReopenLogs.examples as CommandMeta['examples'], flags: ReopenLogs.flags, json: ReopenLogs.enableJsonFlag },
  { id: 'stop', summary: Stop.summary, description: Stop.description, examples: Stop.examples as CommandMeta['examples'], flags: Stop.flags },
  { id: 'cache purge', summary: CachePurge.summary, description: CachePurge.description, examples: CachePurge.examples as CommandMeta['examples'], flags: CachePurge.flags, json: CachePurge.enableJsonFlag,
    synopsis: '\\fIURL\\fR | \\fB\\-\\-app\\fR \\fIAPP\\fR | \\fB\\-\\-all\\fR [\\fIOPTIONS\\fR]' },
  { id: 'status', summary: Status.summary, description: Status.description, examples: Status.examples as CommandMeta['examples'], flags: Status.flags, json: Status.enableJsonFlag },
  { id: 'memory-stats', summary: MemoryStats.summary, description: MemoryStats.description, examples: MemoryStats.examples as CommandMeta['examples'], flags: MemoryStats.flags, json: MemoryStats.enableJsonFlag }
]
