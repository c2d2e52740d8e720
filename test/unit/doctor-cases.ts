/**
 * The table-driven doctor test of diagnostics-doctor and diagnostics-doctor6:
 * each case breaks one fact of a good director and names the verdict that
 * must follow, with its fix and message.
 */
import type { Test } from 'tap';
import { runDoctorChecks } from '../../src/diagnostics/doctor-checks.js';
import type { DoctorFacts } from '../../src/diagnostics/doctor-facts.js';

/** One broken fact and the check, status, fix line and message it must give. */
export interface DoctorCase {
  desc: string;
  change: (f: DoctorFacts) => void;
  check: string;
  status: 'fail' | 'warn' | 'pass';
  fix?: RegExp;
  message?: RegExp;
}

/** Runs every case on a fresh `goodFacts()`: the check with that status is there, ok follows the fails, the fix and message match. */
export function assertDoctorCases(t: Test, goodFacts: () => DoctorFacts, cases: readonly DoctorCase[]): void {
  for (const c of cases) {
    const facts = goodFacts();
    c.change(facts);
    const r = runDoctorChecks(facts);
    const hit = r.checks.find((x) => x.check === c.check && x.status === c.status);
    t.ok(hit, `${c.desc}: ${c.check} ${c.status} in ${JSON.stringify(r.checks.filter((x) => x.status !== 'pass').map((x) => `${x.check} ${x.status}`))}`);
    t.equal(r.ok, !r.checks.some((x) => x.status === 'fail'), `${c.desc}: ok follows the fails`);
    if (c.fix)
      t.ok(
        hit?.fix.some((l) => c.fix!.test(l)),
        `${c.desc}: fix ${c.fix} in ${JSON.stringify(hit?.fix)}`,
      );
    if (c.message) t.match(hit?.message, c.message, `${c.desc}: message`);
  }
}
