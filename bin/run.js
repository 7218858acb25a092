#!/usr/bin/env node
// The `ferry` executable. Commands live in dist/src/commands (built by `npm install` through the prepare script).
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
