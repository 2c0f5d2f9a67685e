import type { ProxyTrust } from './config-parsers.js'

/** What Fastify's `trustProxy` option takes, in the forms we use. */
export type TrustProxyOption = false | string[] | ((address: string, hop: number) => boolean)

/**
 * Fastify's `trustProxy` for TRUST_PROXY: off when unset, the list of
 * addresses and ranges as given, or a hop count. Fastify refuses a bare
 * number (it cannot tell a proxy from a client), so a hop count becomes the
 * function it stands for: believe the `hops` nearest entries, whoever sent them.
 */
export function trustProxyOption (trust: ProxyTrust | undefined): TrustProxyOption {
  if (trust === undefined) return false
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return [...trust]
}
