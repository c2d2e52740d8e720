/**
 * CommandRegistry: the control socket's commands, registered by the parts of
 * the daemon that own them (roles register takeover/release, diagnostics
 * register doctor/probe, …), so the server itself knows no command.
 */
import { VipArpdError } from '../util/errors.js';

/** A handler gets the request's args and returns JSON-able data, or throws a VipArpdError. */
export type CommandHandler = (args: string[]) => unknown;

export interface CommandSpec {
  /** e.g. `takeover <group>` */
  usage: string;
  summary: string;
  handler: CommandHandler;
}

/**
 * Produces one named section of the `status` reply (e.g. `config` from the
 * config watcher, `conflicts` from diagnostics). Called on every `status`.
 */
export type StatusSection = () => unknown;

export class CommandRegistry {
  private readonly specs = new Map<string, CommandSpec>();
  private readonly sections = new Map<string, StatusSection>();

  /**
   * Registers `name`.
   * @throws {Error} when the name is taken: two owners of one command is a bug.
   */
  register(name: string, spec: CommandSpec): void {
    if (this.specs.has(name)) throw new Error(`control command "${name}" is registered twice`);
    this.specs.set(name, spec);
  }

  /**
   * Registers `alias` as another name of the registered `name`: the same
   * handler, listed by `help` as an alias.
   * @throws {Error} when `name` is not registered or `alias` is taken.
   */
  alias(alias: string, name: string): void {
    const spec = this.specs.get(name);
    if (spec === undefined) throw new Error(`control command "${name}" is not registered; cannot alias it as "${alias}"`);
    this.register(alias, { usage: spec.usage.replace(name, alias), summary: `same as ${name}: ${spec.summary}`, handler: spec.handler });
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

  /**
   * Adds the section `name` to every `status` reply, beside `daemon`,
   * `groups` and `interfaces`.
   * @throws {Error} when the name is taken.
   */
  addStatusSection(name: string, section: StatusSection): void {
    if (this.sections.has(name)) throw new Error(`status section "${name}" is registered twice`);
    this.sections.set(name, section);
  }

  /** Every added status section, evaluated now, by name. */
  statusSections(): Record<string, unknown> {
    return Object.fromEntries([...this.sections].map(([name, section]) => [name, section()]));
  }
}
