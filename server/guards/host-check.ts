import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { HostNotAllowedError } from '../http/errors.js'
import { canonicalHost } from '../http/host-names.js'

/** Names of this machine that no web page can take over: its loopback names. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']

/** HOST values that bind every interface, so any of the machine's addresses names this server. */
const ALL_INTERFACES: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]'])

/** Routes a Host is never checked for: /healthz holds figures only, and probes often send an address of their own choosing. */
const UNCHECKED_ROUTES: ReadonlySet<string> = new Set(['/healthz'])

/** Longest part of a refused Host header repeated in the error. */
const SHOWN_CHARS = 100

export interface HostCheckOptions {
  /** The address the server binds (`HOST`); `0.0.0.0` or `::` admit every address of the machine. */
  readonly bindHost: string
  /**
   * Further names (`ALLOWED_HOSTS`): an exact name or address, `.example.com`
   * for that name and its subdomains, or `*` for any Host. Default none.
   */
  readonly allowedHosts?: readonly string[]
  /** Only these routes are checked. Default every route but /healthz. */
  readonly routes?: ReadonlySet<string>
  /** The machine's interface addresses, read on each check so a new address counts at once. Default from `os.networkInterfaces()`. */
  readonly interfaceAddresses?: () => Iterable<string>
}

function machineAddresses (): string[] {
  // Node's types allow an interface without addresses; `?? []` only satisfies them.
  /* c8 ignore next */
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address))
}

/** The raw Host of a request (HTTP/2 carries it as `:authority`), never a forwarded one a page could set. */
function hostHeader (request: FastifyRequest): string | undefined {
  const { host, ':authority': authority } = request.raw.headers
  return host ?? (typeof authority === 'string' ? authority : undefined)
}

/**
 * A matcher for the Host names that name this server: loopback, the bound
 * address (any of the machine's addresses when bound to every interface) and
 * `allowedHosts`.
 */
export function hostMatcher (options: HostCheckOptions): (host: string | undefined) => boolean {
  const allowed = options.allowedHosts ?? []
  if (allowed.includes('*')) return () => true
  const exact = new Set([...LOOPBACK_NAMES, options.bindHost, ...allowed.filter((name) => !name.startsWith('.'))].map((name) => canonicalHost(name)))
  const suffixes = allowed.filter((name) => name.startsWith('.')).map((name) => `.${canonicalHost(name.slice(1)) ?? ''}`)
  const everyInterface = ALL_INTERFACES.has(options.bindHost)
  const addresses = options.interfaceAddresses ?? machineAddresses
  return (header) => {
    const name = header === undefined ? undefined : canonicalHost(header)
    if (name === undefined) return false
    if (exact.has(name) || suffixes.some((suffix) => `.${name}`.endsWith(suffix))) return true
    if (!everyInterface || isIP(name.replace(/^\[(.*)\]$/, '$1')) === 0) return false
    for (const address of addresses()) if (canonicalHost(address) === name) return true
    return false
  }
}

/**
 * An onRequest hook that refuses (403) a request whose Host does not name this
 * server. Without tokens, a web page whose name an attacker re-points at this
 * address (DNS rebinding) is same-origin to the browser and could read and
 * publish; its requests still carry the attacker's name as Host.
 */
export function requireKnownHost (options: HostCheckOptions): onRequestAsyncHookHandler {
  const matches = hostMatcher(options)
  const { routes } = options
  return async (request) => {
    const route = request.routeOptions.url ?? ''
    if (routes === undefined ? UNCHECKED_ROUTES.has(route) : !routes.has(route)) return
    const header = hostHeader(request)
    if (matches(header)) return
    const shown = header === undefined ? 'a request without Host' : `Host ${JSON.stringify(header.slice(0, SHOWN_CHARS))}`
    throw new HostNotAllowedError(`${shown} does not name this server; to serve it, add the name to ALLOWED_HOSTS (or set READ_TOKEN and PUBLISH_TOKEN)`)
  }
}
