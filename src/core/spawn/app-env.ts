// The environment an app process starts with. Order matters: the core's own environment, then what Ferry tells every
// app, then the user's --envvar pairs, and last what the loader itself depends on (a user value must not break it).
import type { AppSpec } from './loader.js'

export function appEnv (app: AppSpec, loaderVars: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: app.environment,
    FERRY_APP_ENV: app.environment,
    FERRY_APP_ROOT: app.root,
    IN_FERRY: '1',
    // A process switched to another user gets that user's, not root's, home and name.
    ...(app.identity !== undefined ? { HOME: app.identity.home, USER: app.identity.user, LOGNAME: app.identity.user } : {}),
    ...app.env,
    ...loaderVars
  }
}
