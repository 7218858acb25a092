// One switch for agents written for Passenger's tools: `--passenger-compat`, or FERRY_PASSENGER_COMPAT=1 in the
// environment (for agents whose command line is fixed, or that run `passenger-status` through a wrapper). The same
// switch on `ferry status` and `ferry memory-stats`; --no-passenger-compat wins over the environment.
// The flag itself is in the option table (COMMAND_OPTIONS); oclif's help adds [env: FERRY_PASSENGER_COMPAT], and
// the commands' descriptions end with this sentence so that the man pages say it too.
import { PASSENGER_COMPAT_ENV } from '../core/config/options.js'

/** The sentence the commands' descriptions end with, so help and man pages name the variable once. */
export const PASSENGER_COMPAT_SENTENCE = `--passenger-compat, or ${PASSENGER_COMPAT_ENV}=1 in the environment, gives Passenger's layout word for word ` +
  '(for agents written for Passenger\'s tools; see docs/monitoring.md).'
