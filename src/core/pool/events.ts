// The events the pool publishes. The core's logger (and later the admin API) subscribes; the pool never logs.
// Their shape is in event-map.ts, so that the group, which emits them, need not import this file.
import { EventEmitter } from 'node:events'
import type { GroupEventMap } from './event-map.js'
import type { Group } from './group.js'

export type PoolEventMap = GroupEventMap<Group>

export class PoolEvents extends EventEmitter<PoolEventMap> {}
