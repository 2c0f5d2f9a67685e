import type { Config } from './config.js'
import { ConfigError } from './config-error.js'
import { publishTokens } from './config-tokens.js'

/**
 * Checks that need several settings at once, run after each one has been read on its own.
 * @throws {ConfigError} naming the setting to add or change
 */
export function checkConfig (config: Config): Config {
  return checkBroker(checkTls(checkExposure(config)))
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

/** A Redis broker needs to know where Redis is. */
function checkBroker (config: Config): Config {
  if (config.broker !== 'redis' || config.redisUrl !== undefined) return config
  throw new ConfigError('REDIS_URL', 'BROKER=redis needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379')
}
