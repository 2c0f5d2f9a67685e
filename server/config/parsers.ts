import { isIP } from 'node:net'
import { canonicalHost } from '../http/host-names.js'

/** Readers of one setting's raw string, each saying what it expects for error messages. */

/** Reads one raw string; undefined means the string is not acceptable. */
export interface Parser<T> {
  /** Completes "PORT must be …". */
  readonly expected: string
  readonly parse: (raw: string) => T | undefined
}

/** A whole number from `min` to `max`, digits only. */
export function int (min: number, max: number): Parser<number> {
  return {
    expected: `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) return undefined
      const n = Number(raw)
      return n >= min && n <= max ? n : undefined
    }
  }
}

/** One of a fixed list of words, exactly. */
export function oneOf<T extends string> (choices: readonly T[]): Parser<T> {
  return {
    expected: `one of ${choices.join(', ')}`,
    parse: (raw) => choices.find((choice) => choice === raw)
  }
}

const DURATION_UNITS_MS = new Map([['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]])

/** A duration in ms as `duration` reads it, in the largest unit that divides it: 604800000 → 7d. */
export function showDuration (ms: number): string {
  // The last unit, ms, divides every whole number of ms.
  const [unit, size] = [...DURATION_UNITS_MS].reverse().find(([, size]) => ms % size === 0)!
  return `${ms / size}${unit}`
}

/** A duration such as `7d`, `12h`, `30m`, `90s` or `500ms`; a bare number is ms. */
export function duration (minMs: number, maxMs: number): Parser<number> {
  return {
    expected: `a duration such as 7d, 12h, 30m or 90s, from ${minMs} ms to ${maxMs / 86_400_000} days`,
    parse: (raw) => {
      const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw)
      if (match === null) return undefined
      const ms = Number(match[1]) * DURATION_UNITS_MS.get(match[2] ?? 'ms')!
      return ms >= minMs && ms <= maxMs ? ms : undefined
    }
  }
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:]+\](:\d{1,5})?$/

/** Comma-separated origins such as `https://ops.example.com,http://localhost:5173`. */
export const origins: Parser<readonly string[]> = {
  expected: 'a comma-separated list of origins such as https://ops.example.com (scheme, host and optional port)',
  parse: (raw) => {
    const list = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0)
    return list.length > 0 && list.every((origin) => ORIGIN.test(origin)) ? list : undefined
  }
}

/** A host name, `.example.com` (that name and its subdomains), or `*` (any). */
function isHostPattern (entry: string): boolean {
  if (entry === '*') return true
  const name = entry.startsWith('.') ? entry.slice(1) : entry
  // A colon belongs in an IPv6 address only: anywhere else it starts a port, which a name here never has.
  if (name.includes(':') && isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 6) return false
  return canonicalHost(name) !== undefined
}

/** Comma-separated host names or addresses, without ports, such as `pulse.example.com,.corp.example,10.0.0.5`. */
export const hostNames: Parser<readonly string[]> = {
  expected: 'a comma-separated list of host names or addresses without port (pulse.example.com, .example.com for its subdomains too, 10.0.0.5, ::1), or *',
  parse: (raw) => {
    const list = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)
    return list.length > 0 && list.every(isHostPattern) ? list : undefined
  }
}

/** Proxies to believe: a hop count, or the addresses and ranges whose X-Forwarded-For is read. */
export type ProxyTrust = number | readonly string[]

/** Names of address ranges that Fastify's proxy matcher (proxy-addr) knows. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** An address, a CIDR range such as 10.0.0.0/8 or fd00::/8, or one of RANGE_NAMES. */
function isAddressRange (entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
}

/** `TRUST_PROXY`: a hop count from 1 to 32, or comma-separated addresses, CIDR ranges and range names. */
export const proxyTrust: Parser<ProxyTrust> = {
  expected: 'a hop count from 1 to 32, or a comma-separated list of addresses, CIDR ranges (10.0.0.0/8) and loopback, linklocal or uniquelocal',
  parse: (raw) => {
    if (/^\d+$/.test(raw)) {
      const hops = Number(raw)
      return hops >= 1 && hops <= 32 ? hops : undefined
    }
    const list = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0)
    return list.length > 0 && list.every(isAddressRange) ? list : undefined
  }
}

/** Any string with something other than white space in it. */
export const text: Parser<string> = {
  expected: 'a non-empty string',
  parse: (raw) => (raw.trim() === '' ? undefined : raw)
}

// A Map, not an object literal, so `constructor` or `__proto__` cannot look up something inherited.
const BOOLEAN_WORDS = new Map([['1', true], ['0', false], ['true', true], ['false', false], ['yes', true], ['no', false]])

/** 1/0, true/false or yes/no, in any case. */
export const bool: Parser<boolean> = {
  expected: `one of ${[...BOOLEAN_WORDS.keys()].join(', ')} (any case)`,
  parse: (raw) => BOOLEAN_WORDS.get(raw.toLowerCase())
}
