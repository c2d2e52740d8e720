/**
 * Colour for vip-arpctl's human output: only on a terminal, never with
 * NO_COLOR set (https://no-color.org: any non-empty value), and only where
 * people look for it (roles, check verdicts, conflicts). Pure: the caller
 * says whether the output is a terminal.
 */

/** SGR codes: https://en.wikipedia.org/wiki/ANSI_escape_code#SGR */
const SGR = { red: 31, green: 32, yellow: 33, bold: 1 } as const;
type Tone = keyof typeof SGR;

export interface TextStyle {
  readonly colour: boolean;
  /** `text` in `tone` when colour is on, else unchanged */
  paint(tone: Tone, text: string): string;
  /** MASTER green, FAULT red, BACKUP plain */
  role(role: string): string;
  /** PASS green, WARN yellow, FAIL red */
  verdict(label: string): string;
}

/** True when output to a stream with `isTTY` may be coloured under `env`. */
export function colourWanted(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

const ROLE_TONES: Record<string, Tone> = { MASTER: 'green', FAULT: 'red' };
const VERDICT_TONES: Record<string, Tone> = { PASS: 'green', WARN: 'yellow', FAIL: 'red' };

/** A style that colours when `colour` is true. */
export function textStyle(colour: boolean): TextStyle {
  const paint = (tone: Tone, text: string): string => (colour ? `\x1b[${SGR[tone]}m${text}\x1b[0m` : text);
  const toned =
    (tones: Record<string, Tone>) =>
    (text: string): string => {
      const tone = tones[text];
      return tone === undefined ? text : paint(tone, text);
    };
  return { colour, paint, role: toned(ROLE_TONES), verdict: toned(VERDICT_TONES) };
}

/** No colour: for pipes, tests and `--json`. */
export const PLAIN: TextStyle = textStyle(false);

const SGR_PATTERN = /\x1b\[[0-9;]*m/g;

/** Length of `text` as a terminal shows it (colour codes take no columns). */
export function visibleLength(text: string): number {
  return text.replace(SGR_PATTERN, '').length;
}
