/** A bad or unknown setting. `setting` is the env variable or flag that held it. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly setting: string

  constructor (setting: string, message: string) {
    super(message)
    this.setting = setting
  }
}
