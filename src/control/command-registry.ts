/**
 * CommandRegistry: the control socket's commands, registered by the parts of
 * the daemon that own them (roles register takeover/release, diagnostics
 * register doctor/probe, …), so the server itself knows no command.
 */
import { VipArpdError } from '../errors.js';

/** A handler gets the request's args and returns JSON-able data, or throws a VipArpdError. */
export type CommandHandler = (args: string[]) => unknown;

export interface CommandSpec {
  /** e.g. `takeover <group>` */
  usage: string;
  summary: string;
  handler: CommandHandler;
}

export class CommandRegistry {
  private readonly specs = new Map<string, CommandSpec>();

  /**
   * Registers `name`.
   * @throws {Error} when the name is taken: two owners of one command is a bug.
   */
  register(name: string, spec: CommandSpec): void {
    if (this.specs.has(name)) throw new Error(`control command "${name}" is registered twice`);
    this.specs.set(name, spec);
  }

  /**
   * Runs `name` with `args`.
   * @throws {VipArpdError} EUNKNOWNCMD for an unknown command, or what the handler throws.
   */
  async run(name: string, args: string[]): Promise<unknown> {
    const spec = this.specs.get(name);
    if (spec === undefined) {
      throw new VipArpdError('EUNKNOWNCMD', `unknown command "${name}"; known: ${[...this.specs.keys()].sort().join(', ')}`);
    }
    return await spec.handler(args);
  }

  /** Usage lines of every command, sorted by name. */
  help(): Array<{ name: string; usage: string; summary: string }> {
    return [...this.specs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => ({ name, usage: s.usage, summary: s.summary }));
  }
}
