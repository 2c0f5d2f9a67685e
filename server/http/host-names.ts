import { isIP } from 'node:net'

/** What a Host header may hold: a name or address with an optional port; nothing a URL could read as a user or path. */
const AUTHORITY = /^[A-Za-z0-9._:[\]-]+$/

/**
 * The host name in `authority` (a Host header, or a name from the settings) as
 * a URL has it: lower case, IPv4 in dotted form, IPv6 compressed in brackets,
 * without port or trailing dot. Undefined when it is not a host.
 */
export function canonicalHost (authority: string): string | undefined {
  const bracketed = isIP(authority) === 6 ? `[${authority}]` : authority
  if (!AUTHORITY.test(bracketed)) return undefined
  try {
    return new URL(`http://${bracketed}`).hostname.replace(/\.$/, '')
  } catch {
    // Not a host a URL can hold (a bad port, a stray bracket): the caller refuses it like any unknown name.
    return undefined
  }
}
