import { BlockList, isIPv6 } from 'node:net'
import { normalizeIP } from '@fastify/rate-limit'
import type { ProxyTrust } from '../config/parsers.js'

/** Who a client is, for the per-address limits: which proxies to believe, and the key it is counted under. */

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

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/**
 * The per-address stream slot a client at `ip` (Fastify's `request.ip`)
 * takes: its IPv4 address, or its IPv6 /64, which one subscriber usually holds
 * whole (the key @fastify/rate-limit gives the publish and sign-in limits too).
 * None for loopback, which is a proxy in front (every client would share its
 * cap) or a local tool, nor for a client already gone (no address left).
 */
export function streamSlotKey (ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined
  // The whole address for the loopback check (a /64 would turn ::1 into ::), with IPv4-mapped ones unwrapped.
  const address = normalizeIP(ip, 128)
  return LOOPBACK.check(address, isIPv6(address) ? 'ipv6' : 'ipv4') ? undefined : normalizeIP(ip)
}

/** How a slot key reads in a refusal: an IPv6 key stands for its whole /64. */
export function describeSlotKey (key: string): string {
  return isIPv6(key) ? `${key}/64` : key
}
