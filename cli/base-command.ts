import { Command, Errors, type Interfaces } from '@oclif/core';
import { toCliFailure, usageFailure, type CliFailure } from './cli-failure.js';

/** A hostile or broken server must not be able to drive the terminal with escape sequences. */
const printable = (text: string) => text.replace(/\p{Cc}/gu, ' ');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape of oclif's own FlagOutput/ArgOutput
type Output = { [name: string]: any };

/**
 * The base of every invitesctl command: whatever a command throws ends as one line on stderr
 * (or a JSON error object with --json) and a documented exit code, never a stack trace.
 */
export abstract class InvitesCommand extends Command {
  /** The server this command talks to, once known: error messages name it. */
  protected serverUrl: string | undefined;

  /** Whatever goes wrong while parsing the command line is a usage error (exit code 2). */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv);
    } catch (err) {
      throw usageFailure(err);
    }
  }

  /** Appended to usage errors; commands add what a user most likely got wrong. */
  protected usageHint(_failure: CliFailure): string {
    return `See: ${this.config.bin} ${this.id} --help`;
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    // this.exit() throws ExitError on purpose; oclif turns it into the exit code.
    if (err instanceof Errors.ExitError) throw err;
    const failure = toCliFailure(err, this.serverUrl);
    const message = printable(failure.reason === 'usage' ? `${failure.message}. ${this.usageHint(failure)}` : failure.message);
    if (this.jsonEnabled()) {
      this.logJson({ error: { reason: failure.reason, message, exitCode: failure.exitCode } });
    } else {
      this.logToStderr(`Error: ${message}`);
    }
    this.exit(failure.exitCode);
  }
}
