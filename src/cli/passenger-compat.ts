// One switch for agents written for Passenger's tools: `--passenger-compat`, or FERRY_PASSENGER_COMPAT=1 in the
// environment (for agents whose command line is fixed, or that run `passenger-status` through a wrapper). The same
// switch on `ferry status` and `ferry memory-stats`; --no-passenger-compat wins over the environment.
import { Flags, type Interfaces } from '@oclif/core'

const PASSENGER_COMPAT_ENV = 'FERRY_PASSENGER_COMPAT'

/** The sentence the commands' descriptions end with, so help and man pages name the variable once. */
export const PASSENGER_COMPAT_SENTENCE = `--passenger-compat, or ${PASSENGER_COMPAT_ENV}=1 in the environment, gives Passenger's layout word for word ` +
  '(for agents written for Passenger\'s tools; see docs/monitoring.md).'

export function passengerCompatFlag (what: string): Interfaces.BooleanFlag<boolean> {
  return Flags.boolean({
    // oclif's help adds [env: FERRY_PASSENGER_COMPAT]; the commands' descriptions say it for the man pages.
    description: `${what} [default: false]`,
    env: PASSENGER_COMPAT_ENV,
    allowNo: true,
    default: false
  })
}
