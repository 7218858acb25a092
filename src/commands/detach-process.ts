import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { commandFlagsFor } from '../cli/flags.js'
import { detachProcess } from '../core/client/actions.js'
import { FerryError } from '../core/errors.js'

export default class DetachProcess extends BaseCommand {
  static override summary = 'take one app process out of a running instance\'s pool, gracefully'
  static override description = 'The process stops taking new requests, finishes the ones it serves, then stops; the ' +
    'pool starts a replacement when its app falls below min-instances. PID is an app process\'s PID as `ferry status` ' +
    'lists it. Needs the full-admin account (run it as the instance\'s user or root). Exit codes: 0 detached, 1 no ' +
    'instance or several without --name, 2 PID is not a number or not authorized, 3 the instance has no app ' +
    'process with that PID, or the admin API did not answer.'

  static override examples = [
    { description: 'Detach process 4242 of the only running instance', command: '<%= config.bin %> detach-process 4242' },
    { description: 'The same, in the instance whose name starts with k3x', command: '<%= config.bin %> detach-process 4242 --name k3x' }
  ]

  static override enableJsonFlag = true

  static override args = {
    PID: Args.string({ description: 'the app process\'s PID, as `ferry status` lists it', required: true })
  }

  static override flags = commandFlagsFor('detach-process')

  async run (): Promise<{ pid: number, detached: true }> {
    const { args, flags } = await this.parse(DetachProcess)
    const pid = Number(args.PID)
    if (!/^\d+$/.test(args.PID) || !Number.isSafeInteger(pid) || pid <= 0) {
      throw new FerryError('E_USAGE', `PID must be a process ID (a positive whole number), not ${JSON.stringify(args.PID)}`)
    }
    const instance = selectInstanceFor(selectionFrom('detach-process --name', flags, this.jsonEnabled()))
    await detachProcess(instance, pid, flags.timeout * 1000)
    if (!this.jsonEnabled()) process.stdout.write(`Detached process ${pid} of instance ${instance.name}: it finishes its requests, then stops\n`)
    return { pid, detached: true }
  }
}
