import type { Config } from './settings.js'
import { ConfigError } from './config-error.js'
import { MIN_TOKEN_LENGTH, publishTokens, splitTokens } from './tokens.js'

/**
 * Checks that need several settings at once, run after each one has been read on its own.
 * @throws {ConfigError} naming the setting to add or change
 */
export function checkConfig (config: Config): Config {
  return checkStore(checkTls(checkExposure(checkTokens(config))))
}

/**
 * A token setting that is set must hold tokens that are hard to guess: a list of
 * blanks would leave the door open while looking locked. The message never repeats
 * the value, which is a secret.
 */
function checkTokens (config: Config): Config {
  const settings = [['PUBLISH_TOKEN', config.publishToken], ['READ_TOKEN', config.readToken]] as const
  for (const [name, value] of settings) {
    if (value === undefined) continue
    const tokens = splitTokens(value)
    if (tokens.length === 0) throw new ConfigError(name, `${name} holds no token (only commas and blanks): set it to one or more secrets separated by commas, or leave it unset`)
    const shortest = Math.min(...tokens.map((token) => token.length))
    if (shortest < MIN_TOKEN_LENGTH) {
      throw new ConfigError(name, `${name} holds a token of ${shortest} characters; each token needs at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`)
    }
  }
  return config
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i

/** Refuses to expose anonymous publishing beyond this machine unless asked to explicitly. */
function checkExposure (config: Config): Config {
  if (LOOPBACK.test(config.host) || publishTokens(config).length > 0 || config.allowAnonymousPublish) return config
  throw new ConfigError('PUBLISH_TOKEN', `HOST ${config.host} is reachable from other machines, so publishing needs a token: set PUBLISH_TOKEN=<a long random secret>, or pass --allow-anonymous-publish to accept anonymous publishes`)
}

/** A certificate without its key (or the reverse) is a half-done deployment: refuse it. */
function checkTls (config: Config): Config {
  if ((config.tlsCert === undefined) === (config.tlsKey === undefined)) return config
  const missing = config.tlsCert === undefined ? 'TLS_CERT' : 'TLS_KEY'
  throw new ConfigError(missing, `${missing} must be set too: HTTPS needs both TLS_CERT (certificate file) and TLS_KEY (private key file)`)
}

/** A Redis store needs to know where Redis is. */
function checkStore (config: Config): Config {
  if (config.store !== 'redis' || config.redisUrl !== undefined) return config
  throw new ConfigError('REDIS_URL', 'STORE=redis needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379')
}
