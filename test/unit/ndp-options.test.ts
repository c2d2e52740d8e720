/**
 * The option walk shared by the NS and NA decoders (src/wire/ndp-options.ts):
 * options as hex bytes on their own, each reason and the offset of the MAC.
 */
import t from 'tap';
import { LLA_ABSENT, scanLlaOption } from '../../src/wire/ndp-options.js';
import { formatMac, readMac } from '../../src/wire/mac.js';
import { hex } from './golden-bytes.js';

const SOURCE_LLA = 1;
const TARGET_LLA = 2;
/** A nonce option (RFC 3971 §5.3.2, type 14) of one unit: not a link-layer address. */
const NONCE = '0e01 0102 0304 0506';

/** Scans the whole of `options` for `llaType`; a MAC found is given as text. */
function scan(options: Buffer, llaType: number): string | number {
  const got = scanLlaOption(options, 0, options.length, llaType, 'lla-reason');
  return typeof got === 'number' && got !== LLA_ABSENT ? formatMac(readMac(options, got)) : got;
}

t.test('finds the first option of the type asked for, past others, and gives the offset of its MAC', async (t) => {
  const options = hex(NONCE, '0101 0200 5e00 0001', '0201 0200 5e00 0002', '0101 0200 5e00 0003');
  t.equal(scan(options, SOURCE_LLA), '02:00:5e:00:00:01', 'the first Source LLA, the later one ignored');
  t.equal(scan(options, TARGET_LLA), '02:00:5e:00:00:02', 'the Target LLA after it');
  t.equal(scanLlaOption(options, 0, options.length, TARGET_LLA, 'lla-reason'), 18, 'offset of the MAC: option at 16, plus type and length');
  t.equal(scanLlaOption(options, 8, options.length, SOURCE_LLA, 'lla-reason'), 10, 'the walk starts at `start`');
});

t.test('no option of the type, or no options at all: LLA_ABSENT', async (t) => {
  t.equal(scan(hex(NONCE, '0101 0200 5e00 0001'), TARGET_LLA), LLA_ABSENT);
  t.equal(scan(Buffer.alloc(0), SOURCE_LLA), LLA_ABSENT, 'an empty option area');
});

t.test("a link-layer address option that is not one 8-byte unit (not a 6-byte MAC) gives the caller's reason", async (t) => {
  t.equal(scan(hex('0102 0200 5e00 0001 0000 0000 0000 0000'), SOURCE_LLA), 'lla-reason', 'two units');
  t.equal(scanLlaOption(hex('0202 0200 5e00 0001 0000 0000 0000 0000'), 0, 16, TARGET_LLA, 'target-lla'), 'target-lla', 'the name passed in');
  t.equal(scan(hex('0102 0200 5e00 0001 0000 0000 0000 0000'), TARGET_LLA), LLA_ABSENT, 'of another type it is skipped whole');
  t.equal(scan(hex('0101 0200 5e00 0001', '0102 0200 5e00 0002 0000 0000 0000 0000'), SOURCE_LLA), '02:00:5e:00:00:01', 'a later one is ignored');
});

t.test('a zero-length option is option-length, wherever it stands', async (t) => {
  t.equal(scan(hex('0100 0200 5e00 0001'), SOURCE_LLA), 'option-length', 'the wanted type');
  t.equal(scan(hex('0e00 0102 0304 0506', '0101 0200 5e00 0001'), SOURCE_LLA), 'option-length', 'before the wanted one');
  t.equal(scan(hex('0101 0200 5e00 0001', '0e00 0102 0304 0506'), SOURCE_LLA), 'option-length', 'after the wanted one is found');
});

t.test('a truncated option is option-length, and nothing past `end` is read', async (t) => {
  t.equal(scan(hex('0101 0200 5e00'), SOURCE_LLA), 'option-length', 'one unit claimed, six bytes there');
  t.equal(scan(hex('0101 0200 5e00 0001', '0e02 0102 0304 0506'), SOURCE_LLA), 'option-length', 'two units claimed, one there');
  t.equal(scan(hex('0101 0200 5e00 0001', '0e'), SOURCE_LLA), 'option-length', 'a lone type byte, no length');
  const buf = hex('0101 0200 5e00 0001', '0101 0200 5e00 0002');
  t.equal(scanLlaOption(buf, 0, 12, SOURCE_LLA, 'lla-reason'), 'option-length', 'the second option runs past `end` though the buffer holds it');
  t.equal(scanLlaOption(buf, 0, 8, SOURCE_LLA, 'lla-reason'), 2, 'an `end` at the option boundary');
});
