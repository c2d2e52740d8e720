/**
 * A classic BPF interpreter for the opcodes the socket filters use
 * (src/wire/cbpf.ts), following the kernel's semantics: a load past the end
 * of the packet ends the program with 0; the return value is the number of
 * bytes kept (the kernel keeps min(value, length)).
 */
import os from 'node:os';

export function runFilter(program: Buffer, packet: Uint8Array): number {
  const little = os.endianness() === 'LE';
  let a = 0;
  for (let pc = 0; pc < program.length / 8; ) {
    const o = pc * 8;
    const code = little ? program.readUInt16LE(o) : program.readUInt16BE(o);
    const jt = program[o + 2]!;
    const jf = program[o + 3]!;
    const k = little ? program.readUInt32LE(o + 4) : program.readUInt32BE(o + 4);
    pc++;
    switch (code) {
      case 0x80:
        a = packet.length;
        break; // ld len
      case 0x28:
        if (k + 2 > packet.length) return 0;
        a = (packet[k]! << 8) | packet[k + 1]!;
        break; // ldh [k]
      case 0x30:
        if (k + 1 > packet.length) return 0;
        a = packet[k]!;
        break; // ldb [k]
      case 0x15:
        pc += a === k ? jt : jf;
        break; // jeq #k
      case 0x35:
        pc += a >= k ? jt : jf;
        break; // jge #k
      case 0x06:
        return Math.min(k, packet.length); // ret #k
      default:
        throw new Error(`opcode 0x${code.toString(16)} not interpreted`);
    }
  }
  throw new Error('program ran off its end');
}
