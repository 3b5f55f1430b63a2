// How the command line reports what stops it: one line, no stack trace, saying what to change.

export class CliError extends Error {
  constructor(
    message: string,
    /** 2: usage or configuration; 1: the environment (a busy port, an unreachable service). */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A port someone chose, and how they chose it. */
export interface PortChoice {
  port: number;
  flag: string;
  variable: string;
}

/** EADDRINUSE/EACCES from a listen → one line naming the port and the flag that changes it. */
export function listenError(err: unknown, choices: PortChoice[]): CliError | null {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== 'EADDRINUSE' && e?.code !== 'EACCES') return null;
  const choice = choices.find((c) => c.port === e.port) ?? choices[0];
  const port = e.port ?? choice?.port;
  const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'may not be opened by this user';
  const how = choice ? `; choose another with ${choice.flag} N (or ${choice.variable})` : '';
  return new CliError(`port ${port} ${why}${how}`, 1);
}

/** A flag's value as a port number, or a usage error naming the flag. */
export function portFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new CliError(`${flag} must be a port number between 0 and 65535 (got ${JSON.stringify(value)})`);
  return String(Number(value));
}
