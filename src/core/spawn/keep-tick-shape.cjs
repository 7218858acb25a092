'use strict'
// Keeps node's process.nextTick on V8's fast path for the life of the process. Each nextTick() builds its queue entry
// with one object literal, `{ [async_id_symbol], [trigger_async_id_symbol], callback, args }`, whose computed keys V8
// adds one hidden class at a time. The literal's inline caches remember those intermediate classes only weakly, and
// no object keeps them once the tick queue is empty: a full GC at such a moment (the idle-time GC after start-up, for
// instance) frees them, the next nextTick() makes new ones, and the caches, seeing a second class, go megamorphic for
// good. From then on every nextTick() takes V8's runtime path, at 2-4 times the cost; node's HTTP code calls it about
// ten times per request, so a hello-world server spends about a quarter more CPU per request (measured 2026-11-30:
// 23-26 µs against 17-19). Whether a process falls into it depends on when its first full GC comes; one object of
// the same shape, held here, keeps the classes alive so it cannot. Plain CommonJS without dependencies: the preloads
// run inside the user's app, and the core loads it too.

/** The object that keeps the classes alive; undefined until keepTickShape() ran (or when node changed its symbols). */
let kept

/**
 * Holds one object shaped like nextTick's queue entry. Its fields take strings first, so their representation is the
 * most general V8 has: no later value (the ids are numbers) can make V8 replace these classes with new ones either.
 * Call it before the process serves anything: it costs one small object. With another node whose entries differ it
 * holds an object nothing else uses, and harms nothing.
 */
function keepTickShape () {
  if (kept !== undefined) return
  const { AsyncResource } = require('node:async_hooks')
  // The two symbols are node's own (not exported); an AsyncResource carries them as its own properties.
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('FerryTickShape', { requireManualDestroy: true }))
  const asyncId = symbols.find(symbol => symbol.description === 'async_id_symbol')
  const triggerAsyncId = symbols.find(symbol => symbol.description === 'trigger_async_id_symbol')
  if (asyncId === undefined || triggerAsyncId === undefined) return
  // The same keys in the same order as node's literal (lib/internal/process/task_queues.js).
  kept = { [asyncId]: '', [triggerAsyncId]: '', callback: '', args: '' }
}

module.exports = { keepTickShape }
