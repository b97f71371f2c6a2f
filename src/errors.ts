/** Base of every error the engine raises on purpose: a stable `code` and what a user needs to act. */
export class BroadcasterError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A configuration value is missing or malformed; `variable` names the environment variable. */
export class ConfigError extends BroadcasterError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super('config_invalid', `${variable}: ${message}`, { variable });
    this.variable = variable;
  }
}
