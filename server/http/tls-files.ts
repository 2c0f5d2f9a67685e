import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ConfigError, type Config } from '../config/config.js'

/** The certificate and private key for HTTPS, read once at startup. */
export interface TlsFiles {
  readonly cert: Buffer
  readonly key: Buffer
}

function readSetting (setting: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(setting, `${setting} ${path} cannot be read (${String((err as NodeJS.ErrnoException).code)})`)
  }
}

/**
 * Reads TLS_CERT and TLS_KEY, or returns undefined when HTTPS is off. Both are
 * checked here, so a wrong file is named at startup instead of surfacing as an
 * OpenSSL error from deep inside the server.
 * @throws {ConfigError} naming the setting whose file is unreadable, not PEM, or not a matching pair
 */
export function readTlsFiles (config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined
  const cert = readSetting('TLS_CERT', config.tlsCert)
  const key = readSetting('TLS_KEY', config.tlsKey)
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(cert)
  } catch {
    throw new ConfigError('TLS_CERT', `TLS_CERT ${config.tlsCert} is not a PEM certificate`)
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(key)
  } catch {
    throw new ConfigError('TLS_KEY', `TLS_KEY ${config.tlsKey} is not an unencrypted PEM private key`)
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new ConfigError('TLS_KEY', `TLS_KEY ${config.tlsKey} is not the key of the certificate in TLS_CERT`)
  return { cert, key }
}
