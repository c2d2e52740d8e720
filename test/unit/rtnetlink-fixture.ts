/**
 * The captured kernel datagrams of fixtures/rtnetlink-veth-flap.txt (written
 * by fixtures/capture-rtnetlink.mjs), grouped under the step that caused them.
 */
import { readFileSync } from 'node:fs';

/** Step label (`add veth`, `up both`, `down nlcap0`, `up nlcap0`, `del`) → its datagrams, in order. */
export function vethFlapDatagrams(): Map<string, Buffer[]> {
  const steps = new Map<string, Buffer[]>();
  let step = '';
  for (const line of readFileSync(new URL('fixtures/rtnetlink-veth-flap.txt', import.meta.url), 'utf8').split('\n')) {
    if (line.startsWith('# ')) {
      step = line.slice(2);
      steps.set(step, []);
    } else if (line.trim() !== '') steps.get(step)!.push(Buffer.from(line, 'hex'));
  }
  return steps;
}
