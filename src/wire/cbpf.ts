/**
 * A tiny assembler for classic BPF socket filters (packet(7),
 * SO_ATTACH_FILTER): a program is a list of steps whose conditional jumps name
 * a labelled step to go to when the test fails, so the filters (arp-filter.ts,
 * ndp-filter.ts) read as the checks they make, not as jump offsets. Pure.
 */
import os from 'node:os';

// linux/filter.h opcodes
export const BPF_LD_W_LEN = 0x80;
export const BPF_LD_H_ABS = 0x28;
export const BPF_LD_B_ABS = 0x30;
export const BPF_JEQ_K = 0x15;
export const BPF_JGE_K = 0x35;
export const BPF_RET_K = 0x06;

/**
 * One instruction; a conditional jump names where it goes when the test fails
 * (`ifFalse`) and, optionally, when it holds (`ifTrue`; default: the next step).
 */
export type BpfStep<L extends string> = { code: number; k: number; ifFalse?: L; ifTrue?: L } | { label: L; code: number; k: number };

/** Returns `steps` as `struct sock_filter[]` bytes (host byte order). */
export function assembleFilter<L extends string>(steps: readonly BpfStep<L>[]): Buffer {
  const at = new Map<L, number>();
  steps.forEach((step, i) => {
    if ('label' in step) at.set(step.label, i);
  });
  // Jump offsets count from the next instruction.
  const offset = (target: L | undefined, i: number) => (target === undefined ? 0 : at.get(target)! - i - 1);
  const buf = Buffer.alloc(steps.length * 8);
  const little = os.endianness() === 'LE';
  steps.forEach((step, i) => {
    const jt = 'ifTrue' in step ? offset(step.ifTrue, i) : 0;
    const jf = 'ifFalse' in step ? offset(step.ifFalse, i) : 0;
    if (little) {
      buf.writeUInt16LE(step.code, i * 8);
      buf.writeUInt32LE(step.k, i * 8 + 4);
    } else {
      buf.writeUInt16BE(step.code, i * 8);
      buf.writeUInt32BE(step.k, i * 8 + 4);
    }
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
  });
  return buf;
}
