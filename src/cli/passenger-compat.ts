// One switch for agents written for Passenger's tools: `--passenger-compat`, or FERRY_PASSENGER_COMPAT=1 in the
// environment (for agents whose command line is fixed, or that run `passenger-status` through a wrapper). The same
// switch on `ferry status` and `ferry memory-stats`; --no-passenger-compat wins over the environment.
import { Flags, type Interfaces } from '@oclif/core'

export const PASSENGER_COMPAT_ENV = 'FERRY_PASSENGER_COMPAT'

export function passengerCompatFlag (what: string): Interfaces.BooleanFlag<boolean> {
  return Flags.boolean({
    description: `${what} (environment: ${PASSENGER_COMPAT_ENV}=1) [default: false]`,
    env: PASSENGER_COMPAT_ENV,
    allowNo: true,
    default: false
  })
}
